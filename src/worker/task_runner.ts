import type { ResultBackend } from "../backend/result_backend.ts";
import type { TaskError, TaskState, TaskStatusInput } from "../backend/task_status.ts";
import type { Broker, Delivery } from "../broker/broker.ts";
import type { Clock } from "../core/clock.ts";
import { DeadLetterReason } from "../core/dead_letters.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";
import {
  LeaseLostError,
  RetryExhaustedError,
  SignatureError,
  StemError,
  TaskExpiredError,
  TaskRetryRequest,
  TaskTimeoutError,
  UnknownTaskError,
} from "../core/errors.ts";
import { validateWithSchema } from "../core/standard_schema.ts";
import type { AnyTaskHandler } from "../core/task_handler.ts";
import type { TaskRegistry } from "../core/task_registry.ts";
import type { TaskPayloadEncoderRegistry } from "../producer/payload_encoder.ts";
import type { Stem } from "../producer/stem.ts";
import type { EnvelopeSigner } from "../security/envelope_signer.ts";
import {
  emitSignal,
  hasListeners,
  type StemSignalSet,
  type TaskRef,
} from "../signals/stem_signals.ts";
import { isRetryable, toTaskError } from "./error_info.ts";
import { policyDelay, policyHasDelay } from "../core/retry_policy.ts";
import type { RetryStrategy } from "./retry_strategy.ts";
import { type ContextHost, WorkerTaskContext } from "./worker_task_context.ts";
import type { EnqueueRequest } from "../core/task_options.ts";

/** Everything a run of one delivery needs from its worker. */
export interface RunnerDeps {
  workerId: string;
  broker: Broker;
  backend: ResultBackend | undefined;
  registry: TaskRegistry;
  encoders: TaskPayloadEncoderRegistry;
  signer: EnvelopeSigner | undefined;
  retryStrategy: RetryStrategy;
  clock: Clock;
  signals: StemSignalSet | undefined;
  stem: Stem;
  resultTtl: number | undefined;
  random: () => number;
}

/** One task attempt in progress: abort it to give it up (hard limit or forced shutdown). */
export class TaskRun implements ContextHost {
  /** The delivery being run. */
  readonly delivery: Delivery;
  #controller: AbortController | undefined;
  /** True once the delivery was acked, nacked or dead-lettered. */
  settled = false;
  /** Set once the outcome is decided (or the run was taken over): later handler calls are ignored. */
  #finished = false;
  /** The worker took the delivery back (shutdown) or lost its lease: write and settle nothing. */
  #abandoned = false;
  /** `acksLate: false`: the delivery was acked before the handler ran. */
  #ackedEarly = false;
  readonly #deps: RunnerDeps;
  readonly #ref: TaskRef;
  #startedAt = 0;
  #timers: unknown[] = [];
  #meta: Record<string, JsonValue> | undefined;
  #started: Promise<void> | undefined;

  /** Aborts the handler's `ctx.signal`; made on first use, since most tasks never need it. */
  get controller(): AbortController {
    return this.#controller ??= new AbortController();
  }

  readonly #handlerDone: () => void;

  /** Prepares a run; `handlerDone` is called once the handler has returned or thrown. */
  constructor(delivery: Delivery, deps: RunnerDeps, handlerDone: () => void = () => {}) {
    this.delivery = delivery;
    this.#deps = deps;
    this.#handlerDone = handlerDone;
    const e = delivery.envelope;
    this.#ref = {
      id: e.id,
      name: e.name,
      attempt: e.attempt,
      queue: delivery.queue,
      workerId: deps.workerId,
    };
  }

  /** Runs the delivery to a settled outcome; never throws for task failures. */
  async run(): Promise<void> {
    const { delivery } = this;
    emitSignal(this.#deps.signals, "taskReceived", this.#ref);
    if (delivery.invalid) {
      return await this.#reject(delivery.invalid.reason, delivery.invalid.error, null);
    }
    if (this.#deps.signer) {
      try {
        await this.#deps.signer.verify(delivery.envelope);
      } catch (error) {
        const reason = error instanceof SignatureError
          ? error.reason
          : DeadLetterReason.signatureInvalid;
        return await this.#reject(reason, (error as Error).message, error);
      }
    }
    const handler = this.#deps.registry.get(delivery.envelope.name);
    if (!handler) {
      const error = new UnknownTaskError(delivery.envelope.name);
      return await this.#reject(DeadLetterReason.unknownTask, error.message, error);
    }
    const envelope = delivery.envelope;
    if (envelope.expires !== null && this.#deps.clock.now() > envelope.expires) {
      return await this.#expire(envelope);
    }
    let args: unknown;
    try {
      args = await this.#decodeArgs(handler, envelope);
    } catch (error) {
      return await this.#fail(error, DeadLetterReason.invalidArgs, false);
    }
    await this.#execute(handler, envelope, args);
  }

  async #decodeArgs(handler: AnyTaskHandler, envelope: Envelope): Promise<unknown> {
    const raw = this.#deps.encoders.resolve(envelope.encoder).decode(envelope.args);
    const decoded = raw instanceof Promise ? await raw : raw;
    const schema = handler.metadata?.argsSchema;
    return schema
      ? await validateWithSchema(schema, decoded, `arguments for task "${envelope.name}"`)
      : decoded;
  }

  async #execute(handler: AnyTaskHandler, envelope: Envelope, args: unknown): Promise<void> {
    const deps = this.#deps;
    if (envelope.meta["stem.acksEarly"] === true) {
      await this.#settle(() => deps.broker.ack(this.delivery));
      this.#ackedEarly = true;
    }
    this.#startedAt = deps.clock.now();
    // The `running` write overlaps the handler; every later write waits for it first, so the
    // order of writes is kept on any backend (pooled connections included).
    this.#started = this.#write("running", { startedAt: this.#startedAt });
    this.#started.catch(() => {});
    emitSignal(deps.signals, "taskStarted", this.#ref);
    const ctx = new WorkerTaskContext(envelope, args, this);
    let result: unknown;
    let failure: { error: unknown } | undefined;
    try {
      result = await this.#withLimits(envelope, () => handler.call(ctx, args));
    } catch (error) {
      failure = { error };
    } finally {
      this.#clearTimers();
      this.#handlerDone();
    }
    if (this.#abandoned) return;
    this.#finished = true;
    if (!failure) return await this.#succeed(handler, result);
    if (failure.error instanceof LeaseLostError) return this.#abandonLostLease(failure.error);
    await this.#handleError(failure.error);
  }

  /**
   * Takes the delivery away from this run (worker shutdown): aborts `ctx.signal` and makes sure
   * the run writes and settles nothing afterwards. False when the run had already settled.
   */
  abandon(reason: Error): boolean {
    if (this.settled && !this.#ackedEarly) return false;
    const takeOver = !this.settled;
    this.#abandoned = true;
    this.#finished = true;
    this.settled = true;
    this.controller.abort(reason);
    return takeOver;
  }

  #abandonLostLease(error: LeaseLostError): void {
    // Another worker owns the message now; its run writes the outcome.
    this.#abandoned = true;
    this.settled = true;
    console.warn(`[stem] task ${this.delivery.envelope.id} lost its lease: ${error.message}`);
  }

  #withLimits<T>(envelope: Envelope, fn: () => T | Promise<T>): Promise<T> {
    const { clock } = this.#deps;
    const limits = envelope.timeLimits;
    if (limits?.soft !== undefined) {
      const limitMs = limits.soft;
      this.#timers.push(clock.setTimeout(() => {
        emitSignal(this.#deps.signals, "taskSoftTimeLimit", { ...this.#ref, limitMs });
      }, limitMs));
    }
    const hard = limits?.hard;
    if (hard === undefined) {
      // No hard limit: only a forced shutdown aborts, and it settles the delivery itself.
      try {
        const value = fn();
        return value instanceof Promise ? value : Promise.resolve(value);
      } catch (error) {
        return Promise.reject(error);
      }
    }
    const running = Promise.resolve().then(fn);
    const aborted = new Promise<never>((_, reject) => {
      this.#timers.push(clock.setTimeout(() => {
        this.controller.abort(new TaskTimeoutError(envelope.name, hard));
      }, hard));
      this.controller.signal.addEventListener(
        "abort",
        () => reject(this.controller.signal.reason),
        {
          once: true,
        },
      );
    });
    aborted.catch(() => {});
    return Promise.race([running, aborted]);
  }

  async #succeed(handler: AnyTaskHandler, result: unknown): Promise<void> {
    const deps = this.#deps;
    const envelope = this.delivery.envelope;
    const encoder = deps.encoders.resolve(handler.metadata?.resultEncoder);
    const encoded = envelope.ignoreResult ? null : encoder.encode(result ?? null);
    const stored = encoded instanceof Promise ? await encoded : encoded;
    const finishedAt = deps.clock.now();
    // Result first, then ack: a crash in between re-runs the task instead of losing its result.
    await this.#write("succeeded", { startedAt: this.#startedAt, finishedAt }, {
      result: stored,
      encoder: encoder.id === "json" ? undefined : encoder.id,
    });
    // Follow-ups before the ack: if publishing them fails the delivery is redelivered, not lost.
    await this.#enqueueLinks(envelope.link, "link");
    await this.#settle(() => deps.broker.ack(this.delivery));
    if (hasListeners(deps.signals, "taskSucceeded")) {
      emitSignal(deps.signals, "taskSucceeded", {
        ...this.#ref,
        result,
        runtimeMs: finishedAt - this.#startedAt,
      });
    }
  }

  async #handleError(error: unknown): Promise<void> {
    const envelope = this.delivery.envelope;
    const request = error instanceof TaskRetryRequest ? error : undefined;
    const maxRetries = request?.maxRetries ?? envelope.maxRetries;
    if (!request && !isRetryable(error)) {
      return await this.#fail(error, DeadLetterReason.nonRetryable, true);
    }
    if (envelope.attempt < maxRetries) return await this.#retry(error, request);
    const final = request
      ? new RetryExhaustedError(envelope.name, maxRetries, { cause: error })
      : error;
    await this.#fail(final, DeadLetterReason.maxRetriesExhausted, true);
  }

  async #retry(error: unknown, request: TaskRetryRequest | undefined): Promise<void> {
    const deps = this.#deps;
    const envelope = this.delivery.envelope;
    const now = deps.clock.now();
    const nextRetryAt = request?.eta ?? now + (request?.countdownMs ?? this.#retryDelay(error));
    const next: Envelope = { ...envelope, attempt: envelope.attempt + 1, notBefore: nextRetryAt };
    const info = toTaskError(error, true);
    await this.#write("retried", { startedAt: this.#startedAt }, {
      error: info,
      extraMeta: { retryAt: nextRetryAt },
    });
    if (this.#ackedEarly) await deps.broker.publish(next);
    else {await this.#settle(() =>
        deps.broker.nack(this.delivery, { requeue: true, envelope: next })
      );}
    emitSignal(deps.signals, "taskRetry", { ...this.#ref, error: info, nextRetryAt });
  }

  #retryDelay(error: unknown): number {
    const policy = this.delivery.envelope.retryPolicy;
    const attempt = this.delivery.envelope.attempt;
    return policyHasDelay(policy)
      ? policyDelay(policy, attempt, this.#deps.random)
      : this.#deps.retryStrategy.nextDelay(attempt, error);
  }

  /** Fails the task for good: status `failed`, dead letter with the reason, linkError follow-ups. */
  async #fail(error: unknown, reason: string, ran: boolean): Promise<void> {
    const deps = this.#deps;
    const info = toTaskError(error, false);
    await this.#write("failed", {
      startedAt: ran ? this.#startedAt : undefined,
      finishedAt: deps.clock.now(),
    }, {
      error: info,
    });
    await this.#enqueueLinks(this.delivery.envelope.linkError, "linkError");
    // An early-acked delivery is gone from the broker: its failure lives on the status only.
    const deadLettered = !this.#ackedEarly;
    await this.#settle(() => deps.broker.deadLetter(this.delivery, reason, errorMeta(info)));
    emitSignal(deps.signals, "taskFailed", {
      ...this.#ref,
      error: info,
      deadLetterReason: deadLettered ? reason : undefined,
    });
  }

  /** Dead-letters a message that must never run (malformed, unsigned, unknown task). */
  async #reject(reason: string, message: string, error: unknown): Promise<void> {
    const deps = this.#deps;
    const info = error
      ? toTaskError(error, false)
      : { type: "EnvelopeError", message, retryable: false };
    if (!this.delivery.invalid && reason === DeadLetterReason.unknownTask) {
      await this.#write("failed", { finishedAt: deps.clock.now() }, { error: info });
    }
    await this.#settle(() => deps.broker.deadLetter(this.delivery, reason, errorMeta(info)));
    emitSignal(deps.signals, "taskRejected", { ...this.#ref, reason, message });
  }

  async #expire(envelope: Envelope): Promise<void> {
    const deps = this.#deps;
    const error = new TaskExpiredError(envelope.name, envelope.expires!);
    await this.#write("cancelled", { finishedAt: deps.clock.now() }, {
      error: toTaskError(error, false),
      extraMeta: { expired: true },
    });
    await this.#settle(() => deps.broker.ack(this.delivery));
    emitSignal(deps.signals, "taskCancelled", { ...this.#ref, reason: "expired" });
  }

  /** The abort signal handed to the handler. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Enqueues a child task with this task as parent. */
  enqueueChild(name: string, request: EnqueueRequest): Promise<string> {
    if (this.#finished) {
      return Promise.reject(
        new StemError(
          "task-finished",
          `Task "${this.delivery.envelope.name}" already finished (timed out or taken back); it cannot enqueue "${name}".`,
        ),
      );
    }
    const envelope = this.delivery.envelope;
    return this.#deps.stem.enqueue(name, request, {
      parentId: envelope.id,
      rootId: envelope.rootId ?? envelope.id,
    });
  }

  /** Renews the lease when less than half of it is left. */
  async heartbeat(): Promise<void> {
    const { delivery } = this;
    if (delivery.leaseExpiresAt === null || this.settled || this.#finished) return;
    const total = delivery.envelope.visibilityTimeout ?? delivery.leaseExpiresAt - this.#startedAt;
    const left = delivery.leaseExpiresAt - this.#deps.clock.now();
    if (left < total / 2) await this.extendLease(total);
  }

  /** Extends the lease to now + `ms`. */
  async extendLease(ms: number): Promise<void> {
    if (this.settled || this.#finished) return;
    await this.#deps.broker.extendLease(this.delivery, ms);
  }

  /** Stores and signals progress. */
  async progress(percent: number, data: JsonValue | undefined): Promise<void> {
    // A handler still running after its hard limit (or a shutdown) must not resurrect the status.
    if (this.#finished) return;
    const progress = data === undefined ? { percent } : { percent, data };
    await this.#write("running", { startedAt: this.#startedAt }, { progress });
    emitSignal(this.#deps.signals, "taskProgress", { ...this.#ref, percent, data });
  }

  /**
   * Publishes follow-ups with ids derived from this task's, so a re-run re-publishes the same
   * tasks rather than new ones. Errors propagate: the delivery then stays unsettled.
   */
  async #enqueueLinks(links: Envelope["link"], kind: "link" | "linkError"): Promise<void> {
    if (!links?.length) return;
    const envelope = this.delivery.envelope;
    for (const [i, link] of links.entries()) {
      await this.#deps.stem.enqueue(link.name, {
        args: link.args,
        headers: { ...envelope.headers, ...link.headers },
        meta: { ...link.meta, linkedFrom: envelope.id },
        enqueueOptions: { taskId: `${envelope.id}:${kind}:${i}`, queue: link.queue },
      }, {
        parentId: envelope.id,
        rootId: envelope.rootId ?? envelope.id,
        republish: true,
      });
    }
  }

  async #settle(fn: () => Promise<void>): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    await fn();
  }

  /** Envelope meta plus queue and worker; built once per run and shared by its status writes. */
  #baseMeta(): Record<string, JsonValue> {
    return this.#meta ??= {
      ...this.delivery.envelope.meta,
      queue: this.delivery.queue,
      worker: this.#deps.workerId,
    };
  }

  #clearTimers(): void {
    if (this.#timers.length === 0) return;
    for (const timer of this.#timers) this.#deps.clock.clearTimeout(timer);
    this.#timers = [];
  }

  async #write(
    state: TaskState,
    timestamps: TaskStatusInput["timestamps"],
    extra: {
      result?: JsonValue;
      encoder?: string;
      error?: TaskError;
      progress?: TaskStatusInput["progress"];
      extraMeta?: Record<string, JsonValue>;
    } = {},
  ): Promise<void> {
    // The first `running` write runs before #started is assigned, so it never waits for itself.
    if (this.#started) {
      const started = this.#started;
      this.#started = undefined;
      await started;
    }
    const deps = this.#deps;
    if (!deps.backend) return;
    const envelope = this.delivery.envelope;
    const status: TaskStatusInput = {
      id: envelope.id,
      name: envelope.name,
      state,
      result: extra.result ?? null,
      error: extra.error ?? null,
      attempt: envelope.attempt,
      meta: {
        ...envelope.meta,
        ...extra.extraMeta,
        queue: this.delivery.queue,
        worker: deps.workerId,
      },
      progress: extra.progress ?? null,
      timestamps,
    };
    if (extra.encoder) status.encoder = extra.encoder;
    const saved = await deps.backend.set(
      status,
      deps.resultTtl === undefined ? {} : { ttl: deps.resultTtl },
    );
    if (
      envelope.groupId && (state === "succeeded" || state === "failed" || state === "cancelled")
    ) {
      await deps.backend.addGroupResult(envelope.groupId, saved);
    }
  }
}

function errorMeta(info: TaskError): Record<string, JsonValue> {
  return { error: `${info.type}: ${info.message}`, errorType: info.type };
}
