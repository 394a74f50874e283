import type { Duration } from "../core/duration.ts";
import { toMillis } from "../core/duration.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";
import { TaskRetryRequest } from "../core/errors.ts";
import type { RetryRequestOptions, TaskContext } from "../core/task_context.ts";
import type { EnqueueRequest } from "../core/task_options.ts";
import type { TaskCall } from "../core/task_definition.ts";
import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";

/** What the context asks of the worker that runs the task. */
export interface ContextHost {
  /** The abort signal of the attempt. */
  readonly signal: AbortSignal;
  /** Renews the lease if less than half of it is left. */
  heartbeat(): Promise<void>;
  /** Extends the lease to now + ms. */
  extendLease(ms: number): Promise<void>;
  /** Records and signals progress. */
  progress(percent: number, data: JsonValue | undefined): Promise<void>;
  /** Enqueues a child with lineage. */
  enqueueChild(name: string, request: EnqueueRequest): Promise<string>;
  /** Enqueues a typed child call with lineage. */
  enqueueChildCall(call: TaskCall<unknown, unknown>): Promise<string>;
}

/** The {@link TaskContext} handed to handlers by the worker. */
export class WorkerTaskContext<Args = Record<string, JsonValue>> implements TaskContext<Args> {
  /** Task id. */
  readonly id: string;
  /** Task name. */
  readonly name: string;
  /** 0-based attempt. */
  readonly attempt: number;
  /** Queue. */
  readonly queue: string;
  /** Decoded args. */
  readonly args: Args;
  /** Headers. */
  readonly headers: Readonly<Record<string, string>>;
  /** Metadata. */
  readonly meta: Readonly<Record<string, JsonValue>>;
  /** Parent task id. */
  readonly parentId: string | undefined;
  /** Root task id. */
  readonly rootId: string;
  /** The previous canvas step's result, if any. */
  readonly previousResult?: JsonValue;
  readonly #host: ContextHost;
  #percent = 0;

  /** Creates the context of one attempt. */
  constructor(envelope: Envelope, args: Args, host: ContextHost) {
    this.id = envelope.id;
    this.name = envelope.name;
    this.attempt = envelope.attempt;
    this.queue = envelope.queue;
    this.args = args;
    this.headers = envelope.headers;
    this.meta = envelope.meta;
    this.parentId = envelope.parentId;
    this.rootId = envelope.rootId ?? envelope.id;
    if (envelope.canvas?.previous !== undefined) this.previousResult = envelope.canvas.previous;
    this.#host = host;
  }

  /** Aborted at the hard limit or when the worker gives the task up. */
  get signal(): AbortSignal {
    return this.#host.signal;
  }

  /** Keeps the lease alive. */
  heartbeat(): Promise<void> {
    return this.#host.heartbeat();
  }

  /** Extends the lease. */
  extendLease(by: Duration): Promise<void> {
    return this.#host.extendLease(toMillis(by));
  }

  /** Reports progress 0–100. */
  progress(percent: number, data?: JsonValue): Promise<void> {
    if (!Number.isFinite(percent) || percent < 0 || percent > 100) {
      throw new RangeError(`Invalid progress ${percent}: use a number from 0 to 100.`);
    }
    this.#percent = percent;
    return this.#host.progress(percent, data);
  }

  /** Reports a JSON value as progress data. */
  progressJson(value: unknown, percent: number = this.#percent): Promise<void> {
    let data: JsonValue;
    try {
      data = JSON.parse(JSON.stringify(value ?? null));
    } catch (error) {
      throw new StemError(
        ErrorCode.payloadEncodeFailed,
        `Task "${this.name}" reported progress that cannot be stored as JSON (${
          (error as Error).message
        }).`,
        { cause: error },
      );
    }
    return this.progress(percent, data);
  }

  /** Requests another attempt. */
  retry(options: RetryRequestOptions = {}): never {
    throw new TaskRetryRequest({
      countdownMs: options.countdown === undefined ? undefined : toMillis(options.countdown),
      eta: options.eta instanceof Date ? options.eta.getTime() : options.eta,
      maxRetries: options.maxRetries,
    });
  }

  /** Enqueues a child task. */
  enqueue(name: string, request: EnqueueRequest = {}): Promise<string> {
    return this.#host.enqueueChild(name, request);
  }

  /** Enqueues a typed child call. */
  enqueueCall<CallArgs, Result>(call: TaskCall<CallArgs, Result>): Promise<string> {
    return this.#host.enqueueChildCall(call as TaskCall<unknown, unknown>);
  }

  /** Enqueues a child task. */
  spawn(name: string, request: EnqueueRequest = {}): Promise<string> {
    return this.#host.enqueueChild(name, request);
  }

  /** Reads a required argument. */
  requiredArg<T = JsonValue>(key: string): T {
    const value = (this.args as Record<string, unknown>)?.[key];
    if (value === undefined || value === null) {
      throw new TypeError(`Task "${this.name}" needs the argument "${key}", which is missing.`);
    }
    return value as T;
  }

  /** Reads an argument with a fallback. */
  argOr<T = JsonValue>(key: string, fallback: T): T {
    const value = (this.args as Record<string, unknown>)?.[key];
    return value === undefined || value === null ? fallback : value as T;
  }

  /** Decodes the whole args object. */
  argsJson<T>(decode: (json: unknown) => T): T {
    return decode(this.args);
  }

  /** `stem:<name>:<id>[:scope]` — the same on every attempt of this task. */
  idempotencyKey(scope?: string): string {
    return scope ? `stem:${this.name}:${this.id}:${scope}` : `stem:${this.name}:${this.id}`;
  }
}
