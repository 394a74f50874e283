import type { HostMessage, IsolateMessage } from "./protocol.ts";

/** What a runner reports about one isolate it started. */
export interface IsolateEvents {
  /** A message from the isolate. */
  message(message: IsolateMessage): void;
  /** The isolate is gone without being killed (crash, exit, out of memory). Called at most once. */
  exit(reason: Error): void;
}

/** One started isolate (a Web Worker, a subprocess), as the pool drives it. */
export interface IsolateProcess {
  /** Sends a message to the isolate. */
  send(message: HostMessage): void;
  /**
   * Stops the isolate at once, whatever it runs (`terminate()`, SIGKILL); resolves once it is
   * gone, so its memory is back and its slot can be reused. `exit` is not called after it.
   */
  kill(): Promise<void>;
}

/**
 * Starts isolates that load a tasks module and speak the {@link HostMessage} protocol: the one
 * seam between the web-standard pool in `src/isolate/` and a runtime's mechanism (a Web Worker
 * on Bun, a subprocess on Deno), implemented in `workers/isolate/<runtime>.ts`.
 */
export interface IsolatedRunner {
  /** The mechanism, for logs and stats (`"web-worker"`, `"subprocess"`). */
  readonly kind: string;
  /**
   * True when {@link IsolateProcess.kill} stops a busy loop (`while (true) {}`). A Deno Web
   * Worker's `terminate()` does not, so a hard limit there only aborts `ctx.signal`.
   */
  readonly killsBusyLoops: boolean;
  /** Starts one isolate; the pool then sends it `init`. */
  spawn(events: IsolateEvents): IsolateProcess;
}
