import type { Duration } from "./duration.ts";
import type { JsonValue } from "./envelope.ts";
import type { TaskCall } from "./task_definition.ts";
import type { EnqueueRequest } from "./task_options.ts";

/** Options for `ctx.retry()`. */
export interface RetryRequestOptions {
  /** Delay before the next attempt; otherwise the retry policy/strategy decides. */
  countdown?: Duration;
  /** Absolute time of the next attempt. */
  eta?: Date | number;
  /** Overrides the task's `maxRetries` for this decision. */
  maxRetries?: number;
}

/** Everything a running task can see and do. */
export interface TaskContext<Args = Record<string, JsonValue>> {
  /** Task id (stable across retries). */
  readonly id: string;
  /** Task name. */
  readonly name: string;
  /** 0-based attempt. */
  readonly attempt: number;
  /** Queue the task came from. */
  readonly queue: string;
  /** Decoded arguments. */
  readonly args: Args;
  /** Envelope headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Envelope metadata. */
  readonly meta: Readonly<Record<string, JsonValue>>;
  /** Id of the task that enqueued this one. */
  readonly parentId: string | undefined;
  /** Id of the first task of the lineage (this task's id when it has no parent). */
  readonly rootId: string;
  /**
   * The result of the previous step when the task runs in a canvas chain (a chord callback
   * gets its body's results in body order); undefined otherwise.
   */
  readonly previousResult?: JsonValue;
  /** Aborted at the hard time limit or when the worker gives the task up. */
  readonly signal: AbortSignal;
  /** Tells the worker the task is alive; renews the lease when it is near expiry. */
  heartbeat(): Promise<void>;
  /** Extends the delivery's lease to now + `by`. */
  extendLease(by: Duration): Promise<void>;
  /** Reports progress (0–100); stored on the status and emitted as `taskProgress`. */
  progress(percent: number, data?: JsonValue): Promise<void>;
  /**
   * Reports a JSON value as progress data (a DTO with `toJSON` works); `percent` defaults to the
   * last reported one. Throws a `payload-encode-failed` error for values JSON cannot hold.
   */
  progressJson(value: unknown, percent?: number): Promise<void>;
  /** Asks for another attempt; never returns (throws the request the worker catches). */
  retry(options?: RetryRequestOptions): never;
  /** Enqueues a child task; lineage (parent/root ids) is recorded. */
  enqueue(name: string, request?: EnqueueRequest): Promise<string>;
  /** Enqueues a typed child call (`definition.buildCall(args)`); lineage is recorded. */
  enqueueCall<Args, Result>(call: TaskCall<Args, Result>): Promise<string>;
  /** Same as {@link TaskContext.enqueue}. */
  spawn(name: string, request?: EnqueueRequest): Promise<string>;
  /** Reads an argument that must be present; throws `TypeError` naming it otherwise. */
  requiredArg<T = JsonValue>(key: string): T;
  /** Reads an argument or returns `fallback` when missing or null. */
  argOr<T = JsonValue>(key: string, fallback: T): T;
  /** Decodes the whole args object with `decode` (e.g. a DTO constructor or `schema.parse`). */
  argsJson<T>(decode: (json: unknown) => T): T;
  /** A key stable across retries of this task, for idempotent side effects. */
  idempotencyKey(scope?: string): string;
}
