import type { ResultBackend } from "../backend/result_backend.ts";
import { TaskResult } from "../backend/task_result.ts";
import { isTerminal, type TaskStatus, type TaskStatusInput } from "../backend/task_status.ts";
import type { Broker } from "../broker/broker.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { type Duration, toMillis } from "../core/duration.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";
import { DuplicateTaskIdError, UnknownTaskError } from "../core/errors.ts";
import type { TaskCall } from "../core/task_definition.ts";
import type { EnqueueRequest } from "../core/task_options.ts";
import type { TaskRegistry } from "../core/task_registry.ts";
import type { EnvelopeSigner } from "../security/envelope_signer.ts";
import { emitSignal, type StemSignalSet } from "../signals/stem_signals.ts";
import { policyDelay } from "../core/retry_policy.ts";
import { buildEnvelope, type Lineage } from "./envelope_builder.ts";
import { type TaskPayloadEncoder, TaskPayloadEncoderRegistry } from "./payload_encoder.ts";

/** Constructor options of {@link Stem}. */
export interface StemOptions {
  /** Where tasks are published. */
  broker: Broker;
  /** Where statuses and results live; needed for `waitForTask` and duplicate-id checks. */
  backend?: ResultBackend;
  /** Known handlers: their options are the defaults, their schemas validate args. */
  registry?: TaskRegistry;
  /**
   * Refuse to enqueue names the registry does not know (catches typos).
   * @default true when a registry is given
   */
  requireRegistered?: boolean;
  /** Extra payload encoders (JSON is built in). */
  encoders?: TaskPayloadEncoderRegistry | TaskPayloadEncoder[];
  /** Signs every published envelope. */
  signer?: EnvelopeSigner;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Signal set to emit on besides the global `StemSignals`. */
  signals?: StemSignalSet;
  /** Lifetime of stored statuses. @default the backend's */
  resultTtl?: Duration;
}

/** Options for {@link Stem.waitForTask}. */
export interface WaitOptions {
  /** Give up after this long and return a result with `timedOut: true`. @default no timeout */
  timeout?: Duration;
  /** Abort the wait. */
  signal?: AbortSignal;
}

/** A named enqueue request, for {@link Stem.enqueueMany}. */
export interface NamedEnqueueRequest extends EnqueueRequest {
  /** Task name. */
  name: string;
}

/**
 * The producer: builds envelopes, publishes them, records `queued` statuses, and waits for results.
 *
 * @example
 * ```ts ignore
 * const id = await stem.enqueue("hello.print", { args: { name: "Stem" } });
 * const result = await stem.waitForTask<string>(id, { timeout: "5s" });
 * ```
 */
export class Stem {
  /** The broker tasks are published to. */
  readonly broker: Broker;
  /** The result backend, when configured. */
  readonly backend: ResultBackend | undefined;
  /** The task registry, when configured. */
  readonly registry: TaskRegistry | undefined;
  /** Payload encoders by id. */
  readonly encoders: TaskPayloadEncoderRegistry;
  /** The envelope signer, when configured. */
  readonly signer: EnvelopeSigner | undefined;
  /** The clock. */
  readonly clock: Clock;
  /** Local signals. */
  readonly signals: StemSignalSet | undefined;
  readonly #requireRegistered: boolean;
  readonly #resultTtl: Duration | undefined;

  /** Creates a producer. */
  constructor(options: StemOptions) {
    this.broker = options.broker;
    this.backend = options.backend;
    this.registry = options.registry;
    this.encoders = options.encoders instanceof TaskPayloadEncoderRegistry
      ? options.encoders
      : new TaskPayloadEncoderRegistry(options.encoders ?? []);
    this.signer = options.signer;
    this.clock = options.clock ?? systemClock;
    this.signals = options.signals;
    this.#requireRegistered = options.requireRegistered ?? options.registry !== undefined;
    this.#resultTtl = options.resultTtl;
  }

  /**
   * Publishes a task and returns its id. Validates args against the handler's schema, rejects a
   * duplicate explicit `taskId`, and records a `queued` status before publishing so a fast worker's
   * `running` write is never overwritten.
   */
  async enqueue(name: string, request: EnqueueRequest = {}, lineage?: Lineage): Promise<string> {
    const handler = this.registry?.get(name);
    if (!handler && this.#requireRegistered) throw new UnknownTaskError(name);
    const envelope = await buildEnvelope(name, request, {
      handler,
      encoders: this.encoders,
      now: this.clock.now(),
      lineage,
    });
    return await this.#publish(envelope, request, lineage);
  }

  /**
   * Enqueues a typed call from a `TaskDefinition`. The task need not be registered here: the
   * definition supplies the defaults and the args schema.
   */
  async enqueueCall(call: TaskCall<unknown, unknown>, lineage?: Lineage): Promise<string> {
    const registered = this.registry?.get(call.name);
    const fromDefinition = {
      name: call.name,
      options: call.definition.defaultOptions,
      metadata: call.definition.metadata,
      call: () => undefined,
    };
    const handler = registered
      ? { ...fromDefinition, options: { ...registered.options, ...fromDefinition.options } }
      : fromDefinition;
    const envelope = await buildEnvelope(call.name, call.request, {
      handler,
      encoders: this.encoders,
      now: this.clock.now(),
      lineage,
    });
    return await this.#publish(envelope, call.request, lineage);
  }

  /** Publishes many tasks with one broker call where the adapter batches. */
  async enqueueMany(requests: NamedEnqueueRequest[]): Promise<string[]> {
    const now = this.clock.now();
    const envelopes: Envelope[] = [];
    const explicit = new Set<string>();
    for (const request of requests) {
      const handler = this.registry?.get(request.name);
      if (!handler && this.#requireRegistered) throw new UnknownTaskError(request.name);
      let envelope = await buildEnvelope(request.name, request, {
        handler,
        encoders: this.encoders,
        now,
      });
      if (request.enqueueOptions?.taskId) {
        if (explicit.has(envelope.id)) throw new DuplicateTaskIdError(envelope.id);
        explicit.add(envelope.id);
      }
      if (this.signer) envelope = await this.signer.sign(envelope);
      envelopes.push(envelope);
    }
    if (this.backend) {
      await Promise.all(envelopes.map((e) => this.#writeQueued(e, explicit.has(e.id))));
    }
    try {
      await this.broker.publishMany(envelopes);
    } catch (error) {
      await Promise.all(envelopes.map((e) => this.#writePublishFailure(e, error)));
      throw error;
    }
    for (const envelope of envelopes) emitSignal(this.signals, "afterTaskPublish", { envelope });
    return envelopes.map((e) => e.id);
  }

  /** Reads a task's status. */
  async getTaskStatus(id: string): Promise<TaskStatus | null> {
    return this.backend ? await this.backend.get(id) : null;
  }

  /**
   * Waits until the task reaches a terminal state (watching the backend, not polling) or the
   * timeout passes; the result is decoded with the encoder recorded on the status.
   */
  async waitForTask<T = unknown>(id: string, options: WaitOptions = {}): Promise<TaskResult<T>> {
    const backend = this.#requireBackend("waitForTask");
    const timeoutMs = options.timeout === undefined ? undefined : toMillis(options.timeout);
    let last = null as TaskStatus | null;
    let finish: (status: TaskStatus | null, timedOut: boolean) => void = () => {};
    const done = new Promise<{ status: TaskStatus | null; timedOut: boolean }>((resolve) => {
      finish = (status, timedOut) => resolve({ status, timedOut });
    });
    const unwatch = await backend.watch(id, (status) => {
      last = status;
      if (isTerminal(status.state)) finish(status, false);
    });
    const onAbort = () => finish(last, true);
    options.signal?.addEventListener("abort", onAbort);
    const timer = timeoutMs === undefined
      ? undefined
      : this.clock.setTimeout(() => finish(last, true), timeoutMs);
    try {
      const current = await backend.get(id);
      const seen = last as TaskStatus | null;
      if (current && (seen === null || current.timestamps.updatedAt >= seen.timestamps.updatedAt)) {
        last = current;
      }
      if (current && isTerminal(current.state)) finish(current, false);
      if (options.signal?.aborted) finish(last, true);
      const outcome = await done;
      return await this.#toResult<T>(id, outcome.status, outcome.timedOut, timeoutMs ?? 0);
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      await unwatch();
    }
  }

  /** Decodes a stored result with the encoder recorded on its status. */
  async decodeResult<T>(status: TaskStatus): Promise<T> {
    return await this.encoders.resolve(status.encoder).decode(status.result) as T;
  }

  async #toResult<T>(
    id: string,
    status: TaskStatus | null,
    timedOut: boolean,
    timeoutMs: number,
  ): Promise<TaskResult<T>> {
    const value = status?.state === "succeeded" ? await this.decodeResult<T>(status) : undefined;
    return new TaskResult<T>(id, status, value, { timedOut, timeoutMs });
  }

  async #publish(envelope: Envelope, request: EnqueueRequest, lineage?: Lineage): Promise<string> {
    const signed = this.signer ? await this.signer.sign(envelope) : envelope;
    emitSignal(this.signals, "beforeTaskPublish", { envelope: signed });
    const exclusive = request.enqueueOptions?.taskId !== undefined && lineage?.republish !== true;
    const retry = request.enqueueOptions?.retry === true;
    if (!exclusive && this.backend) {
      // A generated id is new, so `queued` can be created in parallel with the publish: one
      // round trip instead of two. Create-if-absent never overwrites a worker's later write.
      await this.#publishAlongsideQueued(signed, retry);
      emitSignal(this.signals, "afterTaskPublish", { envelope: signed });
      return signed.id;
    }
    await this.#writeQueued(signed, exclusive);
    try {
      await this.#publishWithRetry(signed, retry);
    } catch (error) {
      await this.#writePublishFailure(signed, error);
      throw error;
    }
    emitSignal(this.signals, "afterTaskPublish", { envelope: signed });
    return signed.id;
  }

  async #publishWithRetry(envelope: Envelope, retry: boolean): Promise<void> {
    const attempts = retry ? (envelope.retryPolicy?.maxRetries ?? 3) + 1 : 1;
    for (let attempt = 0;; attempt++) {
      try {
        return await this.broker.publish(envelope);
      } catch (error) {
        if (attempt + 1 >= attempts) throw error;
        const delay = policyDelay(
          { defaultDelay: 100, backoff: true, ...envelope.retryPolicy },
          attempt,
        );
        await new Promise((resolve) => this.clock.setTimeout(() => resolve(undefined), delay));
      }
    }
  }

  async #publishAlongsideQueued(envelope: Envelope, retry: boolean): Promise<void> {
    const [created, published] = await Promise.allSettled([
      this.backend!.create(this.#queuedStatus(envelope), this.#ttl()),
      this.#publishWithRetry(envelope, retry),
    ]);
    if (published.status === "rejected") {
      await this.#writePublishFailure(envelope, published.reason);
      throw published.reason;
    }
    // The task is on the broker; a failed status write must still surface to the caller.
    if (created.status === "rejected") throw created.reason;
  }

  #queuedStatus(envelope: Envelope): TaskStatusInput {
    return {
      id: envelope.id,
      name: envelope.name,
      state: "queued",
      result: null,
      error: null,
      attempt: envelope.attempt,
      meta: { ...envelope.meta, queue: envelope.queue },
      progress: null,
    };
  }

  /** Records `queued`; with `exclusive` (an explicit task id) it must create the record. */
  async #writeQueued(envelope: Envelope, exclusive = false): Promise<void> {
    const backend = this.backend;
    if (!backend) return;
    const status = this.#queuedStatus(envelope);
    if (!exclusive) return void await backend.set(status, this.#ttl());
    if (!(await backend.create(status, this.#ttl()))) throw new DuplicateTaskIdError(envelope.id);
  }

  async #writePublishFailure(envelope: Envelope, error: unknown): Promise<void> {
    if (!this.backend) return;
    const e = error as Error;
    await this.backend.set({
      id: envelope.id,
      name: envelope.name,
      state: "failed",
      result: null,
      error: {
        type: e?.name ?? "Error",
        message: `Publish failed: ${e?.message}`,
        retryable: false,
      },
      attempt: envelope.attempt,
      meta: { ...envelope.meta, queue: envelope.queue } as Record<string, JsonValue>,
      progress: null,
    }, this.#ttl()).catch(() => {});
  }

  #ttl(): { ttl?: Duration } {
    return this.#resultTtl === undefined ? {} : { ttl: this.#resultTtl };
  }

  #requireBackend(method: string): ResultBackend {
    if (!this.backend) {
      throw new TypeError(
        `Stem.${method}() needs a result backend: pass { backend } to new Stem().`,
      );
    }
    return this.backend;
  }
}
