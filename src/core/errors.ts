/** Options accepted by every Stem error. */
export interface StemErrorOptions {
  /** The underlying error, when this one wraps another. */
  cause?: unknown;
}

/** Base class of every error Stem throws on purpose; `code` is stable for branching. */
export class StemError extends Error {
  /** A stable, machine-readable code such as `"unknown-task"`. */
  readonly code: string;

  /** Creates an error with a stable `code` and a message a person can act on. */
  constructor(code: string, message: string, options: StemErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** One failed field of a validation, with its path inside the value. */
export interface ValidationIssue {
  /** Human-readable problem, e.g. `"Expected string"`. */
  message: string;
  /** Path of the offending field, e.g. `["user", "email"]`. */
  path: ReadonlyArray<PropertyKey>;
}

/** Task arguments (or another value) failed a schema. */
export class ValidationError extends StemError {
  /** Every problem found, each with its field path. */
  readonly issues: ReadonlyArray<ValidationIssue>;

  /** Builds the error from schema issues; the message names each field path. */
  constructor(subject: string, issues: ReadonlyArray<ValidationIssue>) {
    const detail = issues
      .map((i) => `${i.path.length ? i.path.map(String).join(".") : "(root)"}: ${i.message}`)
      .join("; ");
    super("validation-failed", `Invalid ${subject}: ${detail}`);
    this.issues = issues;
  }
}

/** No handler is registered under the task name. */
export class UnknownTaskError extends StemError {
  /** The task name that was looked up. */
  readonly taskName: string;

  /** Creates the error for `taskName`. */
  constructor(taskName: string) {
    super(
      "unknown-task",
      `No task is registered as "${taskName}". Register a handler with that name on this worker or producer.`,
    );
    this.taskName = taskName;
  }
}

/** A task ran past its hard time limit and was aborted. */
export class TaskTimeoutError extends StemError {
  /** The limit that was exceeded, in milliseconds. */
  readonly limitMs: number;

  /** Creates the error for a task that exceeded `limitMs`. */
  constructor(taskName: string, limitMs: number) {
    super("task-timeout", `Task "${taskName}" exceeded its hard time limit of ${limitMs} ms.`);
    this.limitMs = limitMs;
  }
}

/** The broker no longer holds the lease for a delivery (it expired or was acked). */
export class LeaseLostError extends StemError {
  /** Creates the error for the delivery `receipt`. */
  constructor(receipt: string, options: StemErrorOptions = {}) {
    super(
      "lease-lost",
      `The lease for delivery "${receipt}" is no longer held; it expired or was already settled.`,
      options,
    );
  }
}

/** An explicit task id was used for a task that already exists. */
export class DuplicateTaskIdError extends StemError {
  /** The id that was already taken. */
  readonly taskId: string;

  /** Creates the error for `taskId`. */
  constructor(taskId: string) {
    super(
      "duplicate-task-id",
      `A task with id "${taskId}" already exists. Use a new taskId, or omit it to get a generated one.`,
    );
    this.taskId = taskId;
  }
}

/** A message on the broker could not be parsed as a Stem envelope. */
export class EnvelopeError extends StemError {
  /** Creates the error describing why the envelope is malformed. */
  constructor(message: string, options: StemErrorOptions = {}) {
    super("malformed-envelope", message, options);
  }
}

/** The task's `expires` deadline passed before a worker picked it up. */
export class TaskExpiredError extends StemError {
  /** Creates the error for a task that expired at `expiresAt` (epoch ms). */
  constructor(taskName: string, expiresAt: number) {
    super(
      "task-expired",
      `Task "${taskName}" expired at ${new Date(expiresAt).toISOString()} before it started.`,
    );
  }
}

/** The reason a revoked task's `ctx.signal` aborts with (`app.revoke(id, { terminate: true })`). */
export class TaskRevokedError extends StemError {
  /** Creates the error for task `taskId` revoked because of `reason`. */
  constructor(taskId: string, reason: string) {
    super("task-revoked", `Task ${taskId} was revoked: ${reason}.`);
  }
}

/** A payload's encoder id is not registered where it is being decoded. */
export class UnknownEncoderError extends StemError {
  /** Creates the error for the missing encoder `id`. */
  constructor(id: string) {
    super(
      "unknown-encoder",
      `No payload encoder is registered with id "${id}". Register it on the producer and on every worker.`,
    );
  }
}

/** Waiting for a task result ran out of time. */
export class WaitTimeoutError extends StemError {
  /** Creates the error for task `id` after `timeoutMs`. */
  constructor(id: string, timeoutMs: number) {
    super("wait-timeout", `Task "${id}" did not finish within ${timeoutMs} ms.`);
  }
}

/** The handler asked for retries and they are used up. */
export class RetryExhaustedError extends StemError {
  /** Creates the error for a task that used all `maxRetries`. */
  constructor(taskName: string, maxRetries: number, options: StemErrorOptions = {}) {
    super(
      "retries-exhausted",
      `Task "${taskName}" failed after ${maxRetries} retr${maxRetries === 1 ? "y" : "ies"}.`,
      options,
    );
  }
}

/** Why a signature check failed; doubles as the dead-letter reason. */
export type SignatureFailure = "signature-invalid" | "signature-missing" | "unknown-key";

/** An envelope's signature is missing, names an unknown key, or does not verify. */
export class SignatureError extends StemError {
  /** The dead-letter reason. */
  readonly reason: SignatureFailure;
  /** Key id named by the envelope, when any. */
  readonly keyId?: string;

  /** Creates the error. */
  constructor(reason: SignatureFailure, message: string, keyId?: string) {
    super(reason, message);
    this.reason = reason;
    this.keyId = keyId;
  }
}

/** Thrown by `ctx.retry()`; the worker catches it and schedules the next attempt. */
export class TaskRetryRequest extends StemError {
  /** Delay before the next attempt, ms (undefined: the policy decides). */
  readonly countdownMs?: number;
  /** Absolute time of the next attempt, epoch ms. */
  readonly eta?: number;
  /** maxRetries override. */
  readonly maxRetries?: number;

  /** Creates the request. */
  constructor(options: { countdownMs?: number; eta?: number; maxRetries?: number } = {}) {
    super("retry-requested", "The task asked to be retried.");
    this.countdownMs = options.countdownMs;
    this.eta = options.eta;
    this.maxRetries = options.maxRetries;
  }
}
