/**
 * Stem's HTTP API on hono: enqueue, status and wait endpoints with bearer or HMAC auth and
 * RFC 9457 problem responses.
 *
 * @example
 * ```ts ignore
 * import { stemApi } from "@stem/stem/http";
 * const app = stemApi(stem, { auth: { bearer: "s3cret-token" } });
 * Deno.serve(app.fetch);
 * ```
 *
 * @module
 */
export { stemApi, type StemApiOptions } from "./stem_api.ts";
export type { ApiAuthOptions } from "./request_auth.ts";
export {
  REQUEST_SIGNATURE_HEADERS,
  signRequest,
  type SignRequestOptions,
} from "./request_signing.ts";
export { type ProblemDocument, problemFor, problemResponse, STATUS_BY_CODE } from "./problem.ts";
export { HttpProblem } from "./http_problem.ts";
export { openApiDocument, type OpenApiOptions } from "./openapi.ts";
export type { TaskView } from "../inspect/task_view.ts";
export { type PushHandlerOptions, stemPushHandler } from "./push_handler.ts";
export {
  stemWakeHandler,
  type WakeHandlerOptions,
  wakeWorker,
  type WakeWorkerOptions,
} from "./wake_handler.ts";
