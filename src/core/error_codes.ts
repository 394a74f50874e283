/**
 * Every stable error code Stem uses, in one place. `StemError.code` is one of these; callers
 * branch on the code, never on the message.
 */
export const ErrorCode = {
  /** A configuration variable or option is invalid. */
  invalidConfig: "invalid-config",
  /** A broker message is not a valid envelope. */
  malformedEnvelope: "malformed-envelope",
  /** A stored payload could not be decoded. */
  payloadDecodeFailed: "payload-decode-failed",
  /** A value cannot be encoded (BigInt, cycle, function...). */
  payloadEncodeFailed: "payload-encode-failed",
  /** Internal: the handler asked for a retry. */
  retryRequested: "retry-requested",
  /** The handler asked for retries past the limit. */
  retriesExhausted: "retries-exhausted",
  /** The task passed its hard time limit. */
  taskTimeout: "task-timeout",
  /** The task's `expires` passed before it ran. */
  taskExpired: "task-expired",
  /** A schedule entry or spec is invalid (`ScheduleSpecError.field` names what). */
  invalidSchedule: "invalid-schedule",
  /** A schedule upsert named an older version than the stored one. */
  scheduleVersionConflict: "schedule-version-conflict",
  /** A worker's wake endpoint (`stemWakeHandler`) did not accept the wake. */
  wakeFailed: "wake-failed",
  /** The task was revoked (`app.revoke`); with `terminate` its run was aborted. */
  taskRevoked: "task-revoked",
  /** Remote control needs an event bus the store set does not have (or a command is bad). */
  controlUnavailable: "control-unavailable",
  /** Arguments (or another value) failed validation. */
  validationFailed: "validation-failed",
  /** `waitForTask` gave up. */
  waitTimeout: "wait-timeout",
  /** A task id was enqueued twice. */
  duplicateTaskId: "duplicate-task-id",
  /** The delivery's lease is gone (another worker owns it). */
  leaseLost: "lease-lost",
  /** The signature did not verify. */
  signatureInvalid: "signature-invalid",
  /** Signing is required and the envelope had none. */
  signatureMissing: "signature-missing",
  /** The signature names an unknown key. */
  unknownKey: "unknown-key",
  /** No encoder is registered under the id. */
  unknownEncoder: "unknown-encoder",
  /** No handler is registered under the task name. */
  unknownTask: "unknown-task",
  /** A consumer could not claim messages. */
  consumeFailed: "consume-failed",
  /** A task cannot enqueue after it finished. */
  taskFinished: "task-finished",
  /** A call to a server did not complete in time. */
  operationTimeout: "operation-timeout",
  /** The server is unreachable or refused the connection. */
  connectionFailed: "connection-failed",
  /** The server refused the credentials. */
  authenticationFailed: "authentication-failed",
  /** A queue name is empty or has characters no adapter allows. */
  invalidQueue: "invalid-queue",
  /** An `AtomicKv.increment` met a stored value that is not an integer. */
  kvNotInteger: "kv-not-integer",
  /** An `onConsume` middleware put a delivery off until later (rate limit, queue concurrency). */
  deliveryDeferred: "delivery-deferred",
  /** An `onConsume` middleware found a delivery superseded by a newer copy (debounce). */
  deliverySuperseded: "delivery-superseded",
  /** A rate limit string is not `"<n>/s"`, `"<n>/m"` or `"<n>/h"`. */
  invalidRateLimit: "invalid-rate-limit",
  /** A rate limiter could not be reached and the limit fails closed. */
  rateLimiterUnavailable: "rate-limiter-unavailable",
  /** A canvas step did not run because an earlier step (or a group member) failed. */
  canvasStepFailed: "canvas-step-failed",
  /** `createRun` met an existing run id. */
  duplicateRunId: "duplicate-run-id",
  /** No workflow run has the id. */
  unknownRun: "unknown-run",
  /** No workflow is registered under the name. */
  unknownWorkflow: "unknown-workflow",
  /** A workflow definition or step call is invalid. */
  invalidWorkflow: "invalid-workflow",
  /** A value (args, result, progress, a child enqueue) cannot cross to or from a task isolate. */
  isolateUnserializable: "isolate-unserializable",
  /** A task isolate exited while it ran a task (crash, out of memory, `exit()`). */
  isolateCrashed: "isolate-crashed",
  /** A task isolate could not start (its tasks module failed to load, or it never answered). */
  isolateStartFailed: "isolate-start-failed",
  /** A task is marked `isolation: "worker"` but the worker has no isolate pool. */
  isolationUnavailable: "isolation-unavailable",
  /** A routing configuration is invalid (`RoutingConfigError.field` names what). */
  invalidRouting: "invalid-routing",
  /** A task routed to a broadcast channel cannot be broadcast there (a canvas member). */
  broadcastRefused: "broadcast-refused",
  /** An event payload failed its typed event's `parse`. */
  invalidEventPayload: "invalid-event-payload",
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCodeValue = typeof ErrorCode[keyof typeof ErrorCode];
