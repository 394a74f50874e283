/**
 * Isolated tasks: the {@link IsolatedRunner} port, the {@link IsolatePool} a worker runs tasks
 * marked `isolation: "worker"` in, the message protocol, and {@link serveIsolate}, the isolate's
 * side. The runtime mechanisms (Web Workers, subprocesses) live in `workers/isolate/`.
 *
 * @module
 */
export type { IsolatedRunner, IsolateEvents, IsolateProcess } from "./isolated_runner.ts";
export type { IsolateOptions, IsolatePoolStats } from "./isolate_options.ts";
export { IsolatePool, type IsolateSlot } from "./isolate_pool.ts";
export type { IsolateEnd, IsolateJob, IsolateJobHost } from "./isolate_connection.ts";
export type { HostMessage, IsolateCallOp, IsolateMessage, WireError } from "./protocol.ts";
export { type IsolateEndpoint, serveIsolate, type ServeIsolateOptions } from "./serve_isolate.ts";
export {
  IsolateBoundaryError,
  IsolateCrashedError,
  IsolateStartError,
  IsolationUnavailableError,
} from "./isolate_errors.ts";
export { fromWireError, toWireError, toWireJson } from "./wire.ts";
