import type { Delivery } from "../../broker/broker.ts";
import type { JsonValue } from "../../core/envelope.ts";
import { ErrorCode } from "../../core/error_codes.ts";
import {
  LeaseLostError,
  StemError,
  TaskRevokedError,
  TaskTimeoutError,
} from "../../core/errors.ts";
import type { TaskCall } from "../../core/task_definition.ts";
import type { EnqueueRequest } from "../../core/task_options.ts";
import { type Logger, silentLogger } from "../../observability/logger.ts";
import { emitSignal, type TaskRef } from "../../signals/stem_signals.ts";
import { MiddlewareChain } from "../middleware.ts";
import { type ContextHost, WorkerTaskContext } from "../worker_task_context.ts";
import { type Admission, admit, type Admitted } from "./admission.ts";
import { failure, succeeded } from "./decide.ts";
import type { RunnerDeps } from "./deps.ts";
import { invokeHandler } from "./invoke.ts";
import { consumeRejection } from "./middleware_outcomes.ts";
import type { TaskOutcome } from "../../core/task_outcome.ts";
import { type OutcomeTarget, recordOutcome } from "./record_outcome.ts";
import { SETTLE_RETRY_DELAYS_MS, withRetry } from "./settle.ts";
import { RunBase, RunRef, RunTarget } from "./run_objects.ts";
import { StatusWriter } from "./status_writer.ts";

/**
 * One delivery from receipt to settle: `onConsume` middleware → admission → run (under limits,
 * inside `onExecute`) → outcome (through `onOutcome`) → status and settle. Abort it to give it up.
 */
export class TaskRun implements ContextHost {
  /** The delivery being run. */
  readonly delivery: Delivery;
  /** True once the delivery was acked, nacked or dead-lettered (or that is under way). */
  settled = false;
  /**
   * The lease length the worker's renewals extend by, ms, while it watches this run's lease;
   * undefined when it does not (no lease, or the lease was lost). A field, not a WeakMap entry
   * per task: ephemerons cost every scavenge.
   */
  renewalMs: number | undefined = undefined;
  /** Position in the worker's live runs (`LiveRuns`); -1 when not held there. */
  liveIndex = -1;
  #finished = false;
  #abandoned = false;
  #recording = false;
  #ackedEarly = false;
  #startedAt: number | undefined;
  #leaseMs: number | undefined;
  #controller: AbortController | undefined;
  #handlerSettled: Promise<void> = Promise.resolve();
  #revoked: string | undefined;
  #revokedNow: ((error: Error) => void) | undefined;
  readonly #deps: RunnerDeps;
  readonly #ref: TaskRef;
  readonly #writer: StatusWriter;
  readonly #handlerDone: () => void;
  readonly #leaseSet: () => void;
  readonly #target: OutcomeTarget;

  /**
   * Prepares a run; `handlerDone` is called once the handler has really returned or thrown,
   * `leaseSet` once the lease was set to the run's own {@link TaskRun.leaseMs}.
   */
  constructor(
    delivery: Delivery,
    deps: RunnerDeps,
    handlerDone: () => void = () => {},
    leaseSet: () => void = () => {},
  ) {
    this.delivery = delivery;
    this.#deps = deps;
    this.#handlerDone = handlerDone;
    this.#leaseSet = leaseSet;
    this.#ref = new RunRef(delivery, deps.workerId);
    this.#writer = new StatusWriter(deps, delivery);
    this.#target = new RunTarget(
      deps,
      this.#writer,
      () => this.#startedAt,
      () => this.#ackedEarly,
      () => this.#claimSettle(),
    );
  }

  /** Aborts the handler's `ctx.signal`; made on first use, since most tasks never need it. */
  get controller(): AbortController {
    return this.#controller ??= new AbortController();
  }

  /** When the handler started, epoch ms; undefined while admission runs. */
  get startedAt(): number | undefined {
    return this.#startedAt;
  }

  /**
   * The lease length this run asks for, ms, once admission resolved its options (enqueue >
   * producer's handler > worker's handler); undefined before that, or when nothing sets
   * `visibilityTimeout` (the broker's lease stands). Renewals extend the lease by this much.
   */
  get leaseMs(): number | undefined {
    return this.#leaseMs;
  }

  /** The abort signal handed to the handler. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Runs the delivery to its outcome; never throws, and ends only once the handler has. */
  async run(): Promise<void> {
    emitSignal(this.#deps.signals, "taskReceived", this.#ref);
    const revoked = this.#deps.revoked?.(this.#ref.id);
    if (revoked !== undefined) {
      const outcome = { delivery: this.delivery, ref: this.#ref, reason: `revoked: ${revoked}` };
      return await this.#finish({ ...outcome, kind: "cancelled" });
    }
    const chain = this.#deps.middleware ?? MiddlewareChain.empty;
    if (!chain.consumesFor(this.delivery)) {
      // No onConsume hook for this delivery: no closure chain per task; a throw is reported as it
      // would be there.
      try {
        await this.#admitAndRun();
      } catch (error) {
        this.#logger.warn("An onConsume middleware failed after the task", {
          taskId: this.#ref.id,
          error,
        });
      }
      return await this.#handlerSettled;
    }
    let entered = false;
    let threw = false;
    try {
      await chain.consume(this.delivery, async () => {
        entered = true;
        await this.#admitAndRun();
      });
    } catch (error) {
      threw = true;
      if (entered) {
        this.#logger.warn("An onConsume middleware failed after the task", {
          taskId: this.#ref.id,
          error,
        });
      } else await this.#finish(consumeRejection(this.delivery, this.#ref, error));
    }
    // One outcome per delivery: onOutcome middleware must not see a throw's outcome twice.
    if (!entered && !threw) {
      await this.#finish({
        delivery: this.delivery,
        ref: this.#ref,
        kind: "cancelled",
        reason: "skipped by middleware",
      });
    }
    await this.#handlerSettled;
  }

  /**
   * Revokes the running task (`terminate`): aborts `ctx.signal` with a `TaskRevokedError` and
   * records the run as `cancelled` at once, without a retry. A handler that ignores the signal
   * keeps its concurrency slot until it returns; its result is not stored.
   */
  revoke(reason: string): void {
    if (this.#finished || this.#revoked !== undefined) return;
    this.#revoked = reason;
    const error = new TaskRevokedError(this.#ref.id, reason);
    this.controller.abort(error);
    this.#revokedNow?.(error);
  }

  /**
   * Takes the delivery away from this run (worker shutdown): aborts `ctx.signal`; the run records
   * nothing afterwards. False when the run already settled or is recording its outcome.
   */
  abandon(reason: Error): boolean {
    if ((this.settled && !this.#ackedEarly) || this.#recording) return false;
    const takeOver = !this.settled;
    this.#abandoned = true;
    this.#finished = true;
    this.settled = true;
    this.controller.abort(reason);
    return takeOver;
  }

  /** Returns an abandoned delivery to its queue, its status reset to `queued` first. */
  async requeue(): Promise<void> {
    await this.#writer.write("queued").catch((error) =>
      this.#logger.warn("Could not reset a requeued task's status", { taskId: this.#ref.id, error })
    );
    await this.#deps.broker.nack(this.delivery, { requeue: true });
  }

  get #logger(): Logger {
    return this.#deps.logger ?? silentLogger;
  }

  #claimSettle(): boolean {
    if (this.#abandoned || this.#recording) return false;
    this.#recording = true;
    this.settled = true;
    return true;
  }

  #admitAndRun(): Promise<void> {
    const admission = admit(this.delivery, this.#deps, this.#ref, this.#writer);
    if (admission instanceof Promise) return admission.then((a) => this.#afterAdmission(a));
    return this.#afterAdmission(admission);
  }

  #afterAdmission(admission: Admission): Promise<void> {
    return "outcome" in admission
      ? this.#finish(admission.outcome)
      : this.#execute(admission.admitted);
  }

  async #execute({ handler, args, options }: Admitted): Promise<void> {
    const deps = this.#deps;
    const envelope = this.delivery.envelope;
    if (!options.acksLate) await this.#ackEarly();
    this.#leaseMs = options.visibilityTimeout;
    this.#startedAt = deps.clock.now();
    this.#writer.running(this.#startedAt);
    if (envelope.visibilityTimeout === undefined && options.visibilityTimeout !== undefined) {
      // The broker leased it for its default; the worker's handler asks for its own lease.
      this.extendLease(options.visibilityTimeout).then(
        () => this.#leaseSet(),
        (error) =>
          this.#logger.warn("Could not set the handler's lease", { taskId: this.#ref.id, error }),
      );
    }
    emitSignal(deps.signals, "taskStarted", this.#ref);
    const ctx = new WorkerTaskContext(envelope, args as Record<string, JsonValue>, this);
    const chain = deps.middleware ?? MiddlewareChain.empty;
    const call = invokeHandler(
      { envelope, handler, ctx, args, options, chain, host: this },
      deps,
      {
        clock: deps.clock,
        softMs: options.softMs,
        hardMs: options.hardMs,
        controller: () => this.controller,
        onSoft: (limitMs) =>
          emitSignal(deps.signals, "taskSoftTimeLimit", { ...this.#ref, limitMs }),
        timeout: (limitMs) => new TaskTimeoutError(envelope.name, limitMs),
      },
    );
    this.#handlerSettled = call.settled.then(() => this.#handlerDone());
    const base = new RunBase(this.delivery, this.#ref);
    let outcome: TaskOutcome;
    try {
      const result = await this.#untilRevoked(call.result);
      if (this.#abandoned) return;
      this.#finished = true;
      outcome = this.#revoked !== undefined
        ? { ...base, kind: "cancelled", reason: `revoked: ${this.#revoked}` }
        : await succeeded(base, handler, result, deps, deps.clock.now() - this.#startedAt);
    } catch (error) {
      if (this.#abandoned) return;
      this.#finished = true;
      if (error instanceof LeaseLostError) return this.#lostLease(error);
      outcome = this.#revoked !== undefined
        ? { ...base, kind: "cancelled", reason: `revoked: ${this.#revoked}` }
        : failure(base, error, options, deps);
    }
    await this.#finish(outcome);
  }

  /** `result`, or a rejection as soon as the run is revoked with `terminate`. */
  #untilRevoked<T>(result: Promise<T>): Promise<T> {
    if (!this.#deps.revoked) return result;
    // One promise settled by whichever comes first (not a race of two).
    return new Promise<T>((resolve, reject) => {
      this.#revokedNow = reject;
      result.then(resolve, reject);
    });
  }

  async #ackEarly(): Promise<void> {
    const deps = this.#deps;
    const acked = await withRetry(() => deps.broker.ack(this.delivery), {
      clock: deps.clock,
      logger: this.#logger,
      delays: deps.settleRetryDelays ?? SETTLE_RETRY_DELAYS_MS,
      fields: { taskId: this.#ref.id },
    });
    // An early ack that cannot be made falls back to acking late: nothing is lost.
    if (!acked.ok) return;
    this.settled = true;
    this.#ackedEarly = true;
  }

  #lostLease(error: LeaseLostError): void {
    // Another worker owns the message now; its run records the outcome.
    this.#abandoned = true;
    this.settled = true;
    this.#logger.warn("A task lost its lease; another worker owns it now", {
      taskId: this.#ref.id,
      error,
    });
  }

  #finish(outcome: TaskOutcome): Promise<void> {
    const chain = this.#deps.middleware ?? MiddlewareChain.empty;
    if (!chain.outcomes) return this.#record(outcome);
    return this.#finishThrough(chain, outcome);
  }

  async #finishThrough(chain: MiddlewareChain, outcome: TaskOutcome): Promise<void> {
    let recorded = false;
    const record = async (final: TaskOutcome) => {
      recorded = true;
      await this.#record(final);
    };
    try {
      await chain.outcome(outcome, record);
    } catch (error) {
      this.#logger.warn("An onOutcome middleware failed", { taskId: this.#ref.id, error });
    }
    // A middleware that did not call next (or threw first) cannot leave the delivery unsettled.
    if (!recorded) await this.#record(outcome);
  }

  /** Records an outcome, the canvas follow-ups (derived ids, so a re-run repeats them) first. */
  #record(outcome: TaskOutcome): Promise<void> {
    const followUp = this.#deps.followUp;
    if (!followUp?.wants(outcome.delivery.envelope) || this.#abandoned) {
      return recordOutcome(outcome, this.#target);
    }
    return followUp.onOutcome(outcome, (final) => recordOutcome(final, this.#target));
  }

  /** Renews the lease when less than half of it is left. */
  async heartbeat(): Promise<void> {
    const { delivery } = this;
    if (delivery.leaseExpiresAt === null || this.settled || this.#finished) return;
    const total = this.#leaseMs ?? delivery.leaseExpiresAt - (this.#startedAt ?? 0);
    const left = delivery.leaseExpiresAt - this.#deps.clock.now();
    if (left < total / 2) await this.extendLease(total);
  }

  /** Extends the lease to now + `ms`. */
  async extendLease(ms: number): Promise<void> {
    if (this.settled || this.#finished) return;
    await this.#deps.broker.extendLease(this.delivery, ms);
  }

  /** Stores and signals progress (ignored once the outcome is decided). */
  async progress(percent: number, data: JsonValue | undefined): Promise<void> {
    if (this.#finished) return;
    const progress = data === undefined ? { percent } : { percent, data };
    await this.#writer.progress(progress, this.#startedAt ?? this.#deps.clock.now());
    emitSignal(this.#deps.signals, "taskProgress", { ...this.#ref, percent, data });
  }

  /** Enqueues a child task with this task as parent. */
  enqueueChild(name: string, request: EnqueueRequest): Promise<string> {
    if (this.#finished) return Promise.reject(this.#finishedError(name));
    return this.#deps.stem.enqueue(name, request, this.#lineage());
  }

  /** Enqueues a typed child call with this task as parent. */
  enqueueChildCall(call: TaskCall<unknown, unknown>): Promise<string> {
    if (this.#finished) return Promise.reject(this.#finishedError(call.name));
    return this.#deps.stem.enqueueCall(call, this.#lineage());
  }

  #lineage(): { parentId: string; rootId: string } {
    const envelope = this.delivery.envelope;
    return { parentId: envelope.id, rootId: envelope.rootId ?? envelope.id };
  }

  #finishedError(name: string): StemError {
    return new StemError(
      ErrorCode.taskFinished,
      `Task "${this.#ref.name}" already finished (timed out or taken back); it cannot enqueue "${name}".`,
    );
  }
}
