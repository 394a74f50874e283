import type { ResultBackend, WorkerHeartbeat } from "../backend/result_backend.ts";
import type { Broker, Delivery } from "../broker/broker.ts";
import { type Clock, systemClock, type TimerHandle } from "../core/clock.ts";
import { ErrorCode } from "../core/error_codes.ts";
import { LeaseLostError, StemError } from "../core/errors.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import { type Duration, toMillis, toMillisOrUndefined } from "../core/duration.ts";
import type { JsonValue } from "../core/envelope.ts";
import { uuidv7 } from "../core/ids.ts";
import { validateQueueName } from "../core/queue_name.ts";
import type { TaskRegistry } from "../core/task_registry.ts";
import {
  type TaskPayloadEncoder,
  TaskPayloadEncoderRegistry,
} from "../producer/payload_encoder.ts";
import { Stem } from "../producer/stem.ts";
import type { EnvelopeSigner } from "../security/envelope_signer.ts";
import { emitSignal, StemSignals, type StemSignalSet } from "../signals/stem_signals.ts";
import type { DrainOptions, DrainSummary } from "./drain_options.ts";
import { ExponentialJitterRetryStrategy, type RetryStrategy } from "./retry_strategy.ts";
import { Semaphore } from "./semaphore.ts";
import { type AutoscaleOptions, Autoscaler } from "./autoscaler.ts";
import { type RunnerDeps, TaskRun } from "./task_runner.ts";
import { LiveRuns } from "./live_runs.ts";
import { MiddlewareChain, type TaskMiddleware } from "./middleware.ts";
import { RevocationGuard } from "../control/revocation_guard.ts";
import type { RevokeEntry, RevokeStore } from "../control/revoke_store.ts";
import type { EventBus } from "../workflow/event_bus.ts";
import type {
  InspectReply,
  MemoryUsage,
  PingReply,
  QueueStateReply,
  RunningTaskInfo,
  ShutdownMode,
  StatsReply,
} from "../control/control_api.ts";
import { type ControlledWorker, ControlResponder } from "../control/control_responder.ts";
import { KvPausedQueues } from "../control/paused_queues.ts";

/** How long `start()` waits for the first revocation and pause read and the control subscription. */
const START_WAIT_MS = 10_000;

type OutcomeCounter = "succeeded" | "failed" | "retried" | "cancelled";

/** Running task ids a heartbeat lists at most. */
const MAX_REPORTED_TASK_IDS = 100;
import { CanvasRuntime } from "../canvas/runtime.ts";
import { IsolatePool } from "../isolate/isolate_pool.ts";
import type { IsolateOptions, IsolatePoolStats } from "../isolate/isolate_options.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";

/** Constructor options of {@link Worker}. */
export interface WorkerOptions {
  /** Where deliveries come from. */
  broker: Broker;
  /** The handlers this worker runs. */
  registry: TaskRegistry;
  /** Where statuses and results are written. */
  backend?: ResultBackend;
  /** Queues to consume. @default ["default"] */
  queues?: string[];
  /** One queue to consume (same as `queues: [queue]`; both may be given). */
  queue?: string;
  /**
   * Task middleware, composed in order (the first is the outermost). Their `onEnqueue` hooks also
   * wrap the children and link follow-ups this worker publishes (through its default producer;
   * a `stem` passed in brings its own middleware). @default []
   */
  middleware?: TaskMiddleware[];
  /** Tasks run at once. @default 10 */
  concurrency?: number;
  /**
   * Concurrency that follows demand instead of `concurrency`: starts at `min`, grows at once with
   * running plus waiting tasks up to `max`, shrinks after `idleAfter` of lower demand. Reads
   * `broker.counts()` of each queue every `interval`. Prefetch defaults to `max` × multiplier.
   */
  autoscale?: AutoscaleOptions;
  /**
   * Deliveries the broker may hold leased for this worker (running ones included).
   * @default concurrency * prefetchMultiplier
   */
  prefetch?: number;
  /**
   * Prefetch per slot, when `prefetch` is not given (`STEM_PREFETCH_MULTIPLIER`): a positive
   * integer. @default 2
   */
  prefetchMultiplier?: number;
  /** Delay rule for retries when the task has no retry policy. @default ExponentialJitterRetryStrategy() */
  retryStrategy?: RetryStrategy;
  /** Worker id in statuses, heartbeats and signals. @default "stem-worker-<uuid>" */
  workerId?: string;
  /** Extra payload encoders (JSON is built in). */
  encoders?: TaskPayloadEncoderRegistry | TaskPayloadEncoder[];
  /** Verifies envelopes before anything runs. */
  signer?: EnvelopeSigner;
  /**
   * The store set's key-value store: the canvas marks there that a chord's callback went out,
   * so a crashed claimant is recovered without a second copy. @default none (a recovering
   * member re-publishes under the same id; the stale copy is acked unrun)
   */
  kv?: AtomicKv;
  /** Producer for child tasks and links. @default a Stem on the same broker and backend */
  stem?: Stem;
  /** Signal set to emit on besides the global `StemSignals`. */
  signals?: StemSignalSet;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Interval of worker heartbeats written to the backend. @default "10s" */
  heartbeatInterval?: Duration;
  /**
   * What the worker says about itself in every heartbeat (host, pid, runtime, version), shown by
   * `stem workers` and the dashboard. `workers/worker_process.ts` fills it for worker processes.
   */
  identity?: Record<string, JsonValue>;
  /**
   * Revocations to honour: a revoked task is acked as `cancelled` without running, and a running
   * one revoked with `terminate` has its `ctx.signal` aborted. Read at start and every
   * `revokeSyncInterval`. `StemApp` passes the store set's.
   */
  revokes?: RevokeStore;
  /** How often revocations are re-read. @default "1s" */
  revokeSyncInterval?: Duration;
  /** Lifetime of statuses written by this worker. @default the backend's */
  resultTtl?: Duration;
  /** Random source for retry jitter. @default Math.random */
  random?: () => number;
  /** Where the worker's diagnostics go (lost consumer, failed lease renewal...). @default silentLogger */
  logger?: Logger;
  /**
   * The store set's event bus: the worker answers remote control commands on it (`app.control`,
   * `stem worker ping|inspect|stats|pause|resume|shutdown`). Without one, remote control is off
   * (logged at start); pauses still apply through `kv`. `StemApp` passes the set's.
   */
  events?: EventBus;
  /** Answer remote control commands when `events` is given. @default true */
  control?: boolean;
  /** Honour queue pauses persisted in `kv` (`app.control.pause`). @default true when `kv` is given */
  queuePauses?: boolean;
  /** How often persisted queue pauses (in `kv`) are re-read. @default "2s" */
  pauseSyncInterval?: Duration;
  /**
   * Reports the runtime's memory for `stats` (`workers/runtime` passes one reading
   * `process.memoryUsage()` / `Deno.memoryUsage()`). @default none (`memory: null`)
   */
  memoryProbe?: () => MemoryUsage | null;
  /**
   * The isolate pool for tasks marked `isolation: "worker"` (docs/isolation.md); `runner` is
   * required here (`StemApp` picks the runtime's). @default none: such tasks fail with
   * `IsolationUnavailableError`
   */
  isolate?: IsolateOptions;
}

/** Options for {@link Worker.shutdown}. */
export interface ShutdownOptions {
  /**
   * How long in-flight tasks may keep running before they are returned to the queue (the grace
   * of `soft`). @default "30s"
   */
  timeout?: Duration;
  /**
   * `warm`: wait for in-flight tasks however long they take; `soft`: wait `timeout`, then hand
   * the rest back; `hard`: hand them back now. @default "soft"
   */
  mode?: ShutdownMode;
}

/** How often a drain re-waits its `idle` while the broker still reports due messages. */
const MAX_IDLE_RECHECKS = 50;

/**
 * Consumes deliveries and runs their handlers with bounded concurrency, retries, time limits and
 * dead-lettering.
 *
 * @example
 * ```ts ignore
 * const worker = new Worker({ broker, backend, registry, queues: ["default"], concurrency: 8 });
 * await worker.start();
 * // ...
 * await worker.shutdown({ timeout: "10s" });
 * ```
 */
export class Worker implements ControlledWorker {
  /** This worker's id. */
  readonly id: string;
  readonly #broker: Broker;
  readonly #backend: ResultBackend | undefined;
  readonly #queues: string[];
  readonly #prefetch: number;
  readonly #semaphore: Semaphore;
  readonly #autoscaler: Autoscaler | undefined;
  readonly #autoscaleBounds: { min: number; max: number } | null;
  readonly #prestartIsolates: boolean;
  readonly #deps: RunnerDeps;
  readonly #heartbeatMs: number;
  readonly #runs = new LiveRuns<TaskRun>();
  readonly #identity: Record<string, JsonValue>;
  #revocations: RevocationGuard | undefined;
  #draining = false;
  #abort: AbortController | null = null;
  #loop: Promise<void> | null = null;
  #heartbeatTimer: unknown;
  #stopping: Promise<void> | null = null;
  #idle: (() => void) | null = null;
  #loopError: unknown;
  readonly #logger: Logger;
  /** Lease length of each running task's delivery, ms: renewals extend by this much. */
  #renewTimer: TimerHandle | undefined;
  #renewAt = Infinity;
  readonly #paused = new Set<string>();
  readonly #pauses: KvPausedQueues | undefined;
  readonly #pauseSyncMs: number;
  #pauseTimer: TimerHandle | undefined;
  #pauseReadFailed = false;
  /** Cuts a warm or soft shutdown short (a hard one arrived). */
  #hurry: (() => void) | null = null;
  /** Aborted to re-open the consumer on the queues that are not paused. */
  #resubscribe: AbortController | null = null;
  #pauseChanged: (() => void) | null = null;
  readonly #responder: ControlResponder | undefined;
  readonly #events: EventBus | undefined;
  readonly #memoryProbe: (() => MemoryUsage | null) | undefined;
  #startedAt = 0;
  readonly #counts = { succeeded: 0, failed: 0, retried: 0, cancelled: 0 };
  #countersOff: (() => void)[] = [];

  /** Creates a worker; call {@link Worker.start} to begin consuming. */
  constructor(options: WorkerOptions) {
    const concurrency = options.autoscale?.min ?? options.concurrency ?? 10;
    this.id = options.workerId ?? `stem-worker-${uuidv7().slice(-12)}`;
    this.#broker = options.broker;
    this.#backend = options.backend;
    // Checked here, not at the first claim: an adapter given a bad name consumes nothing and says
    // nothing (a Redis worker stalls), so the mistake must surface where the worker is made.
    this.#queues = [...new Set(requestedQueues(options).map(validateQueueName))];
    this.#semaphore = new Semaphore(concurrency);
    const mostSlots = options.autoscale?.max ?? concurrency;
    this.#prefetch = Math.max(
      options.prefetch ?? mostSlots * prefetchMultiplierOf(options.prefetchMultiplier),
      1,
    );
    this.#heartbeatMs = toMillis(options.heartbeatInterval ?? "10s");
    this.#identity = options.identity ?? {};
    this.#logger = options.logger ?? silentLogger;
    this.#pauses = options.kv && options.queuePauses !== false
      ? new KvPausedQueues(options.kv)
      : undefined;
    this.#pauseSyncMs = toMillis(options.pauseSyncInterval ?? "2s");
    this.#events = options.events;
    this.#memoryProbe = options.memoryProbe;
    if (options.events && options.control !== false) {
      this.#responder = new ControlResponder(options.events, this, this.#logger);
    }
    const encoders = options.encoders instanceof TaskPayloadEncoderRegistry
      ? options.encoders
      : new TaskPayloadEncoderRegistry(options.encoders ?? []);
    const clock = options.clock ?? systemClock;
    this.#deps = {
      workerId: this.id,
      broker: options.broker,
      backend: options.backend,
      registry: options.registry,
      encoders,
      signer: options.signer,
      retryStrategy: options.retryStrategy ??
        new ExponentialJitterRetryStrategy({ random: options.random }),
      clock,
      signals: options.signals,
      stem: options.stem ?? new Stem({
        broker: options.broker,
        backend: options.backend,
        registry: options.registry,
        requireRegistered: false,
        encoders,
        signer: options.signer?.canSign ? options.signer : undefined,
        clock,
        signals: options.signals,
        middleware: options.middleware,
        logger: options.logger,
      }),
      resultTtl: toMillisOrUndefined(options.resultTtl),
      random: options.random ?? Math.random,
      middleware: new MiddlewareChain(options.middleware ?? []),
      logger: options.logger ?? silentLogger,
    };
    if (options.revokes) {
      const guard = new RevocationGuard({
        store: options.revokes,
        clock,
        intervalMs: toMillis(options.revokeSyncInterval ?? "1s"),
        logger: this.#logger,
        onRevoke: (entry) => {
          if (!entry.terminate) return;
          for (const run of this.#runs) {
            if (run.delivery.envelope.id === entry.taskId) run.revoke(entry.reason);
          }
        },
      });
      this.#revocations = guard;
      this.#deps.revoked = (taskId) => guard.reason(taskId);
    }
    this.#autoscaleBounds = options.autoscale
      ? { min: options.autoscale.min, max: options.autoscale.max }
      : null;
    if (options.autoscale) {
      this.#autoscaler = new Autoscaler(options.autoscale, {
        slots: this.#semaphore,
        demand: () => this.#demand(),
        clock,
        logger: this.#logger,
      });
    }
    this.#prestartIsolates = options.isolate?.prestart === true;
    if (options.isolate) {
      this.#deps.isolates = new IsolatePool(options.isolate, { clock, logger: this.#logger });
    }
    const backend = options.backend;
    if (backend) {
      this.#deps.followUp = new CanvasRuntime({
        stem: this.#deps.stem,
        groups: backend,
        statuses: backend,
        kv: options.kv,
        clock,
        logger: this.#deps.logger,
        workerId: this.id,
      });
    }
  }

  /** The worker's view of revocations, when it has a {@link RevokeStore}. */
  get revocations(): RevocationGuard | undefined {
    return this.#revocations;
  }

  /** The isolate pool's counters, when the worker has one (`isolate` option). */
  get isolates(): IsolatePoolStats | undefined {
    return this.#deps.isolates?.stats();
  }

  /** Queues this worker consumes. */
  get queues(): string[] {
    return [...this.#queues];
  }

  /** Deliveries the broker may hold leased for this worker at once. */
  get prefetch(): number {
    return this.#prefetch;
  }

  /** Tasks allowed to run at once now (moves between the `autoscale` bounds when set). */
  get concurrency(): number {
    return this.#semaphore.size;
  }

  /** Tasks running now. */
  get inflight(): number {
    return this.#runs.size;
  }

  /** True between `start()` and the end of `shutdown()`. */
  get running(): boolean {
    return this.#loop !== null && this.#stopping === null;
  }

  /**
   * Starts consuming; resolves once revocations and queue pauses were read and remote control
   * listens (at most 10 s: unreachable stores do not block it). Calling it twice is a no-op.
   */
  start(): Promise<void> {
    if (this.#stopping) {
      return Promise.reject(
        new TypeError(`Worker ${this.id} was shut down; create a new Worker to consume again.`),
      );
    }
    if (this.#loop) return Promise.resolve();
    this.#abort = new AbortController();
    this.#startedAt = this.#deps.clock.now();
    this.#countOutcomes();
    // Before the first claim: a worker that starts later honours earlier revocations and pauses.
    const ready = Promise.all([this.#revocations?.start(), this.syncPauses()]);
    this.#loop = ready.then(() => this.#consumeWithReconnect(this.#abort!.signal));
    this.#scheduleHeartbeat(0);
    this.#autoscaler?.start();
    if (this.#prestartIsolates) {
      this.#deps.isolates?.warm().catch((error) =>
        this.#logger.warn("Starting the task isolates failed", { workerId: this.id, error })
      );
    }
    emitSignal(this.#deps.signals, "workerReady", { workerId: this.id, queues: this.queues });
    // Bounded: with its stores unreachable the worker still starts (its loop waits and retries).
    return this.#within(Promise.all([ready, this.#startControl()]), START_WAIT_MS).then(() => {});
  }

  async #startControl(): Promise<void> {
    if (!this.#responder) {
      if (!this.#events) {
        this.#logger.info(
          "Remote control is off: the store set has no event bus (pauses still apply through kv)",
          { workerId: this.id },
        );
      }
      return;
    }
    try {
      await this.#responder.start();
    } catch (error) {
      this.#logger.warn("Remote control could not subscribe; commands will not be answered", {
        workerId: this.id,
        error,
      });
    }
  }

  #countOutcomes(): void {
    const mine = { filter: (e: { workerId?: string }) => e.workerId === this.id };
    const tally = (key: OutcomeCounter) => () => void this.#counts[key]++;
    this.#countersOff = [
      StemSignals.taskSucceeded.connect(tally("succeeded"), mine),
      StemSignals.taskFailed.connect(tally("failed"), mine),
      StemSignals.taskRetry.connect(tally("retried"), mine),
      StemSignals.taskCancelled.connect(tally("cancelled"), mine),
    ];
  }

  /**
   * Processes what is due and returns, for hosts that run code per request or per cron tick
   * (Cloudflare Workers `scheduled()`, `Deno.cron`, a serverless function): claims deliveries
   * until the queues are empty (`idle`), `maxTasks` were claimed, the `deadline` passed or
   * `signal` aborted; waits for running tasks until the deadline; hands any still running back to
   * the queue. Nothing is left leased when it resolves. Not for a worker that was `start()`ed.
   *
   * @example
   * ```ts ignore
   * export default {
   *   async scheduled(_event, env, ctx) {
   *     const app = await StemApp.fromUrl(env.STEM_BROKER_URL, { tasks, autoStart: false });
   *     ctx.waitUntil(app.worker.drain({ deadline: "25s" }).finally(() => app.close()));
   *   },
   * };
   * ```
   */
  async drain(options: DrainOptions = {}): Promise<DrainSummary> {
    if (this.#loop || this.#stopping) {
      throw new TypeError(
        `Worker ${this.id} is running (or was shut down): drain() runs a worker that was never started.`,
      );
    }
    if (this.#draining) {
      throw new TypeError(`Worker ${this.id} is already draining; wait for that drain to return.`);
    }
    this.#draining = true;
    try {
      return await this.#drain(options);
    } finally {
      this.#draining = false;
    }
  }

  /**
   * Ends the consumers' idle wait now, so tasks published since are claimed without waiting out
   * the broker's poll back-off (Redis over HTTP backs off to 30 s when idle). Costs no command;
   * `stemWakeHandler` exposes it to producers in other processes.
   */
  wake(): void {
    this.#broker.wake?.();
  }

  /** True while {@link Worker.drain} runs. */
  get draining(): boolean {
    return this.#draining;
  }

  async #drain(options: DrainOptions): Promise<DrainSummary> {
    const clock = this.#deps.clock;
    const begun = clock.now();
    const maxTasks = options.maxTasks ?? Infinity;
    if (!(maxTasks >= 1)) throw new RangeError("drain({ maxTasks }) must be 1 or more.");
    const idleMs = toMillis(options.idle ?? "200ms");
    const deadline = options.deadline === undefined ? Infinity : begun + toMillis(options.deadline);
    const summary: DrainSummary = {
      stoppedBy: "empty",
      claimed: 0,
      succeeded: 0,
      failed: 0,
      retried: 0,
      cancelled: 0,
      rejected: 0,
      handedBack: 0,
      durationMs: 0,
    };
    const mine = { filter: (e: { workerId?: string }) => e.workerId === this.id };
    const tally = (key: "succeeded" | "failed" | "retried" | "cancelled" | "rejected") => () =>
      void summary[key]++;
    const unsubscribe = [
      StemSignals.taskSucceeded.connect(tally("succeeded"), mine),
      StemSignals.taskFailed.connect(tally("failed"), mine),
      StemSignals.taskRetry.connect(tally("retried"), mine),
      StemSignals.taskCancelled.connect(tally("cancelled"), mine),
      StemSignals.taskRejected.connect(tally("rejected"), mine),
    ];
    const stop = new AbortController();
    const halt = (why: DrainSummary["stoppedBy"]) => {
      if (stop.signal.aborted) return;
      summary.stoppedBy = why;
      stop.abort();
    };
    const onSignal = () => halt("signal");
    if (options.signal?.aborted) halt("signal");
    options.signal?.addEventListener("abort", onSignal, { once: true });
    const deadlineTimer = deadline === Infinity
      ? undefined
      : clock.setTimeout(() => halt("deadline"), Math.max(0, deadline - begun));
    let idleTimer: TimerHandle | undefined;
    // A quiet `idle` is not proof of an empty queue: a slow first claim (a loaded host, a cold
    // connection) looks the same. Before ending as "empty" the drain asks the broker; while due
    // messages remain it waits again, at most `MAX_IDLE_RECHECKS` times.
    let rechecks = 0;
    const armIdle = () => {
      if (idleTimer !== undefined) clock.clearTimeout(idleTimer);
      idleTimer = clock.setTimeout(() => {
        // Running tasks may still enqueue due work (children, retries without delay).
        if (this.#runs.size > 0) return armIdle();
        if (rechecks++ >= MAX_IDLE_RECHECKS) return halt("empty");
        this.#dueInActiveQueues().then(
          (due) => due ? armIdle() : halt("empty"),
          () => halt("empty"),
        );
      }, idleMs);
    };
    try {
      await this.#revocations?.start();
      await this.syncPauses();
      armIdle();
      // Every queue paused: nothing is due here; the idle timer ends the drain.
      const iterable = this.#activeQueues().length === 0 ? nothing() : this.#broker.consume({
        queues: this.#activeQueues(),
        prefetch: Math.min(this.#prefetch, maxTasks),
        consumerName: this.id,
        signal: stop.signal,
      });
      await this.#consume(iterable, stop.signal, () => {
        armIdle();
        // Stopped after this delivery is started, not before (the loop nacks on abort).
        if (++summary.claimed >= maxTasks) queueMicrotask(() => halt("maxTasks"));
      });
      const left = Math.max(0, deadline - clock.now());
      if (this.#runs.size > 0 && !(await this.#within(this.#drained(), left))) {
        for (const run of [...this.#runs]) {
          if (!run.abandon(new Error(`The drain's deadline passed before the task finished.`))) {
            continue;
          }
          await run.requeue().catch(() => {});
          summary.handedBack++;
        }
      }
    } finally {
      if (idleTimer !== undefined) clock.clearTimeout(idleTimer);
      if (deadlineTimer !== undefined) clock.clearTimeout(deadlineTimer);
      options.signal?.removeEventListener("abort", onSignal);
      this.#revocations?.stop();
      for (const off of unsubscribe) off();
    }
    summary.durationMs = clock.now() - begun;
    return summary;
  }

  /** True when a queue this worker consumes still holds messages ready to claim. */
  async #dueInActiveQueues(): Promise<boolean> {
    const counts = await Promise.all(this.#activeQueues().map((q) => this.#broker.counts(q)));
    return counts.some((c) => c.pending > 0);
  }

  /**
   * Stops fetching, lets in-flight tasks finish until the timeout, then aborts the rest and returns
   * their deliveries to the queue so nothing is lost. Safe to call more than once.
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    // A hard shutdown during a warm or soft one hands the running tasks back now.
    if (this.#stopping && options.mode === "hard") this.#hurry?.();
    if (!this.#stopping) {
      const mode = options.mode ?? "soft";
      const timeoutMs = mode === "warm"
        ? Infinity
        : mode === "hard"
        ? 0
        : toMillis(options.timeout ?? "30s");
      this.#stopping = this.#shutdown(timeoutMs);
    }
    return this.#stopping;
  }

  async #shutdown(timeoutMs: number): Promise<void> {
    try {
      await this.#stop(timeoutMs);
    } finally {
      await this.#deps.isolates?.close();
    }
  }

  async #stop(timeoutMs: number): Promise<void> {
    if (!this.#loop) {
      await this.#responder?.stop();
      return;
    }
    const deadline = this.#deps.clock.now() + timeoutMs;
    emitSignal(this.#deps.signals, "workerStopping", { workerId: this.id });
    this.#abort?.abort();
    this.#autoscaler?.stop();
    this.#pauseChanged?.();
    this.#deps.clock.clearTimeout(this.#heartbeatTimer);
    if (this.#pauseTimer !== undefined) this.#deps.clock.clearTimeout(this.#pauseTimer);
    this.#revocations?.stop();
    // Tell the cluster at once that this worker is going (control clients stop expecting it).
    this.#writeHeartbeat().catch(() => {});
    // Leases keep being renewed while in-flight tasks finish; the timer stops at the end.
    // The loop never waits for a slot while holding a delivery, so it ends as soon as the broker's
    // iterator sees the abort; the deadline still bounds it in case an adapter is slow to notice.
    const hurried = new Promise<void>((resolve) => (this.#hurry = resolve));
    await this.#within(Promise.race([this.#loop, hurried]), timeoutMs);
    let requeued = 0;
    const left = Math.max(0, deadline - this.#deps.clock.now());
    if (this.#runs.size > 0) await this.#within(Promise.race([this.#drained(), hurried]), left);
    if (this.#runs.size > 0) {
      for (const run of [...this.#runs]) {
        if (!run.abandon(new Error(`Worker ${this.id} shut down before the task finished.`))) {
          continue;
        }
        // Status back to `queued` first, so the next worker's `running` is never overwritten.
        await run.requeue().catch(() => {});
        requeued++;
      }
    }
    this.#deps.clock.clearTimeout(this.#renewTimer);
    this.#renewAt = -Infinity;
    await this.#writeHeartbeat().catch(() => {});
    await this.#responder?.stop().catch(() => {});
    for (const off of this.#countersOff) off();
    emitSignal(this.#deps.signals, "workerShutdown", { workerId: this.id, requeued });
  }

  /** Resolves true when `promise` settles within `ms` of this worker's clock, false otherwise. */
  #within(promise: Promise<unknown>, ms: number): Promise<boolean> {
    if (ms === Infinity) return promise.then(() => true, () => true);
    return new Promise((resolve) => {
      const timer = this.#deps.clock.setTimeout(() => resolve(false), ms);
      promise.then(() => {
        this.#deps.clock.clearTimeout(timer);
        resolve(true);
      }, () => {
        this.#deps.clock.clearTimeout(timer);
        resolve(true);
      });
    });
  }

  #drained(): Promise<void> {
    if (this.#runs.size === 0) return Promise.resolve();
    return new Promise((resolve) => (this.#idle = resolve));
  }

  /** Re-opens the consumer with capped exponential back-off when the broker connection fails. */
  async #consumeWithReconnect(signal: AbortSignal): Promise<void> {
    this.#schedulePauseSync();
    let failures = 0;
    while (!signal.aborted) {
      const active = this.#activeQueues();
      if (active.length === 0) {
        // Every queue is paused: consume nothing until one is resumed.
        await new Promise<void>((resolve) => (this.#pauseChanged = resolve));
        this.#pauseChanged = null;
        continue;
      }
      const resubscribe = new AbortController();
      this.#resubscribe = resubscribe;
      const stop = () => resubscribe.abort();
      signal.addEventListener("abort", stop, { once: true });
      try {
        const iterable = this.#broker.consume({
          queues: active,
          prefetch: this.#prefetch,
          consumerName: this.id,
          signal: resubscribe.signal,
        });
        await this.#consume(iterable, resubscribe.signal, () => (failures = 0));
        if (resubscribe.signal.aborted && !signal.aborted) continue;
        if (!signal.aborted) {
          this.#logger.warn("The broker ended the worker's consumer", { workerId: this.id });
        }
        return;
      } catch (error) {
        if (resubscribe.signal.aborted && !signal.aborted) continue;
        if (signal.aborted) return;
        this.#loopError = error;
        const delay = Math.min(5_000, 100 * 2 ** failures++);
        this.#logger.warn("The worker lost its consumer; reconnecting", {
          workerId: this.id,
          retryInMs: delay,
          error,
        });
        await this.#pause(delay, signal);
      } finally {
        signal.removeEventListener("abort", stop);
        this.#resubscribe = null;
      }
    }
  }

  /** Queues consumed now: the worker's queues that are not paused. */
  #activeQueues(): string[] {
    return this.#queues.filter((q) => !this.#paused.has(q));
  }

  /**
   * Re-reads the persisted pauses (`kv`) and re-opens the consumer when the set of consumed
   * queues changed. In-flight tasks of a paused queue finish; deliveries not started yet go back.
   */
  async syncPauses(): Promise<QueueStateReply> {
    if (this.#pauses) {
      try {
        const paused = new Set((await this.#pauses.list()).map((p) => p.queue));
        const before = this.#activeQueues().join("\n");
        this.#paused.clear();
        for (const q of this.#queues) if (paused.has(q)) this.#paused.add(q);
        if (this.#activeQueues().join("\n") !== before) {
          this.#resubscribe?.abort();
          this.#pauseChanged?.();
        }
      } catch (error) {
        // Once: a set built from parts without kv would otherwise log every interval.
        if (!this.#pauseReadFailed) {
          this.#logger.warn("Reading queue pauses failed", { workerId: this.id, error });
        }
        this.#pauseReadFailed = true;
      }
    }
    return { consuming: this.#activeQueues(), paused: [...this.#paused] };
  }

  #schedulePauseSync(): void {
    if (!this.#pauses || this.#stopping) return;
    this.#pauseTimer = this.#deps.clock.setTimeout(() => {
      this.syncPauses().finally(() => this.#schedulePauseSync());
    }, this.#pauseSyncMs);
  }

  /** Queues of this worker that are paused now. */
  get pausedQueues(): string[] {
    return [...this.#paused];
  }

  /** Answer to a `ping` control command. */
  pingInfo(): PingReply {
    return { timestamp: this.#deps.clock.now(), queues: this.queues, inflight: this.#runs.size };
  }

  /** Tasks running now, with lease age. */
  runningTasks(): RunningTaskInfo[] {
    const now = this.#deps.clock.now();
    return [...this.#runs].map((run) => {
      const { envelope, leaseExpiresAt } = run.delivery;
      const length = leaseExpiresAt === null ? NaN : this.#leaseLength(run);
      const startedAt = run.startedAt ?? null;
      return {
        id: envelope.id,
        name: envelope.name,
        queue: run.delivery.queue,
        attempt: envelope.attempt,
        startedAt,
        runtimeMs: startedAt === null ? 0 : Math.max(0, now - startedAt),
        leaseAgeMs: leaseExpiresAt === null || !(length > 0)
          ? null
          : Math.max(0, now - (leaseExpiresAt - length)),
        leaseExpiresAt,
      };
    });
  }

  /** Answer to an `inspect` control command. */
  inspectInfo(): Promise<InspectReply> {
    return Promise.resolve({
      running: this.runningTasks(),
      revocations: this.#revocations ? this.#revocations.live() : [],
    });
  }

  /** Answer to a `stats` control command. */
  statsInfo(): StatsReply {
    const inflightByQueue: Record<string, number> = {};
    for (const run of this.#runs) {
      const q = run.delivery.queue;
      inflightByQueue[q] = (inflightByQueue[q] ?? 0) + 1;
    }
    const c = this.#counts;
    let memory: MemoryUsage | null = null;
    try {
      memory = this.#memoryProbe?.() ?? null;
    } catch {
      memory = null;
    }
    return {
      workerId: this.id,
      identity: { ...this.#identity },
      concurrency: this.concurrency,
      autoscale: this.#autoscaleBounds,
      isolates: this.isolates ?? null,
      prefetch: this.#prefetch,
      inflight: this.#runs.size,
      inflightByQueue,
      queues: this.queues,
      pausedQueues: [...this.#paused],
      uptimeMs: this.#startedAt === 0 ? 0 : this.#deps.clock.now() - this.#startedAt,
      processed: c.succeeded + c.failed + c.retried + c.cancelled,
      succeeded: c.succeeded,
      failed: c.failed,
      retried: c.retried,
      memory,
      stopping: this.#stopping !== null,
    };
  }

  /** Starts a shutdown for a control command; false when one is under way. */
  beginShutdown(mode: ShutdownMode, grace: Duration | undefined): boolean {
    if (this.#stopping) {
      if (mode === "hard") this.#hurry?.();
      return false;
    }
    this.shutdown({ mode, timeout: grace }).catch((error) =>
      this.#logger.error("Shutdown failed", { workerId: this.id, error })
    );
    return true;
  }

  /** Applies revocations received over the bus now; returns the running tasks it aborted. */
  applyRevocations(entries: RevokeEntry[]): string[] {
    const terminated: string[] = [];
    for (const entry of entries) {
      if (typeof entry?.taskId !== "string") continue;
      const running = entry.terminate
        ? [...this.#runs].filter((run) => run.delivery.envelope.id === entry.taskId && !run.settled)
        : [];
      // The guard's onRevoke aborts the running ones; without a guard, do it here.
      if (this.#revocations) this.#revocations.add(entry);
      else for (const run of running) run.revoke(entry.reason);
      if (running.length > 0) terminated.push(entry.taskId);
    }
    return terminated;
  }

  #pause(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#deps.clock.clearTimeout(timer);
        signal.removeEventListener("abort", done);
        resolve();
      };
      const timer = this.#deps.clock.setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /**
   * Takes a slot before asking for the next delivery, so no delivery waits (with its lease
   * running out) for a slot, and shutdown never waits behind a busy handler.
   */
  async #consume(
    iterable: AsyncIterable<Delivery>,
    signal: AbortSignal,
    onDelivery: () => void,
  ): Promise<void> {
    const iterator = iterable[Symbol.asyncIterator]();
    try {
      // A free slot is taken without a promise: this loop turns once per task.
      while (
        !signal.aborted && (this.#semaphore.tryAcquire() || await this.#semaphore.acquire(signal))
      ) {
        const next = await iterator.next();
        if (next.done) {
          this.#semaphore.release();
          return;
        }
        onDelivery();
        if (signal.aborted || this.#paused.has(next.value.queue)) {
          this.#semaphore.release();
          await this.#broker.nack(next.value, { requeue: true }).catch(() => {});
          return;
        }
        this.#startRun(next.value);
      }
    } finally {
      await iterator.return?.();
    }
  }

  #startRun(delivery: Delivery): void {
    // The slot is freed as soon as the handler is done: writing the outcome and acking no longer
    // hold back the next task (the broker's prefetch still bounds unsettled deliveries).
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#semaphore.release();
    };
    const run = new TaskRun(delivery, this.#deps, release, () => this.#watchLease(run));
    this.#runs.add(run);
    this.#watchLease(run);
    run.run().catch((error) => {
      // Infrastructure failure (backend or broker down): leave the delivery unsettled so its lease
      // expires and it is redelivered.
      this.#logger.error("The worker could not settle a task; its lease will expire", {
        workerId: this.id,
        taskId: delivery.envelope.id,
        error,
      });
    }).finally(() => {
      this.#runs.delete(run);
      release();
      if (this.#runs.size === 0) this.#idle?.();
    });
  }

  /**
   * Renews the leases of running tasks a third into each lease, so a task that outlives its
   * visibility timeout without calling `heartbeat()` is not redelivered; only the tasks of a dead
   * or hung process are. One timer serves every run; due renewals go out together.
   */
  #watchLease(run: TaskRun): void {
    const { delivery } = run;
    if (delivery.leaseExpiresAt === null || !this.#runs.has(run)) return;
    const length = this.#leaseLength(run);
    if (!(length > 0)) return;
    run.renewalMs = length;
    this.#armRenewal(delivery.leaseExpiresAt - (length * 2) / 3);
  }

  /**
   * The run's own lease once admission resolved it (its handler may ask for one the envelope does
   * not carry), else the envelope's, else what the broker granted at the claim.
   */
  #leaseLength(run: TaskRun): number {
    const { delivery } = run;
    return run.leaseMs ?? run.renewalMs ?? delivery.envelope.visibilityTimeout ??
      delivery.leaseExpiresAt! - this.#deps.clock.now();
  }

  #armRenewal(at: number): void {
    if (at >= this.#renewAt) return;
    const clock = this.#deps.clock;
    if (this.#renewTimer !== undefined) clock.clearTimeout(this.#renewTimer);
    this.#renewAt = at;
    this.#renewTimer = clock.setTimeout(() => {
      this.#renewTimer = undefined;
      this.#renewAt = Infinity;
      this.#renewLeases().catch(() => {});
    }, Math.max(0, at - clock.now()));
  }

  async #renewLeases(): Promise<void> {
    const now = this.#deps.clock.now();
    const due: Promise<void>[] = [];
    let next = Infinity;
    for (const run of this.#runs) {
      const expires = run.delivery.leaseExpiresAt;
      if (run.renewalMs === undefined || expires === null || run.settled) continue;
      const length = this.#leaseLength(run);
      const at = expires - (length * 2) / 3;
      if (at > now) next = Math.min(next, at);
      else due.push(this.#renew(run, length));
    }
    if (next !== Infinity) this.#armRenewal(next);
    await Promise.all(due);
  }

  async #renew(run: TaskRun, length: number): Promise<void> {
    const renewed = (result: "renewed" | "lost" | "failed") => {
      const { envelope } = run.delivery;
      emitSignal(this.#deps.signals, "taskLeaseRenewed", {
        id: envelope.id,
        name: envelope.name,
        attempt: envelope.attempt,
        queue: run.delivery.queue,
        workerId: this.id,
        result,
      });
    };
    try {
      await this.#broker.extendLease(run.delivery, length);
      renewed("renewed");
      if (this.#runs.has(run)) this.#armRenewal(run.delivery.leaseExpiresAt! - (length * 2) / 3);
    } catch (error) {
      renewed(error instanceof LeaseLostError ? "lost" : "failed");
      if (error instanceof LeaseLostError) {
        run.renewalMs = undefined;
        this.#logger.warn("A running task lost its lease; another worker may run it", {
          workerId: this.id,
          taskId: run.delivery.envelope.id,
        });
        return;
      }
      this.#logger.warn("Renewing a task's lease failed; retrying", {
        workerId: this.id,
        taskId: run.delivery.envelope.id,
        error,
      });
      if (this.#runs.has(run)) this.#armRenewal(this.#deps.clock.now() + length / 6);
    }
  }

  #scheduleHeartbeat(delay: number): void {
    if (!this.#backend && !this.#deps.signals) return;
    this.#heartbeatTimer = this.#deps.clock.setTimeout(() => {
      this.#writeHeartbeat().catch((error) =>
        this.#logger.warn("Writing the worker heartbeat failed", { workerId: this.id, error })
      );
      if (!this.#stopping) this.#scheduleHeartbeat(this.#heartbeatMs);
    }, delay);
  }

  async #writeHeartbeat(): Promise<void> {
    const heartbeat: WorkerHeartbeat = {
      workerId: this.id,
      timestamp: this.#deps.clock.now(),
      inflight: this.#runs.size,
      queues: this.queues,
      extras: {
        ...this.#identity,
        heartbeatIntervalMs: this.#heartbeatMs,
        // Bounded so a worker with a huge prefetch still writes a small record.
        runningTaskIds: [...this.#runs].slice(0, MAX_REPORTED_TASK_IDS).map((run) =>
          run.delivery.envelope.id
        ),
        concurrency: this.#semaphore.size,
        ...(this.#autoscaler ? { autoscale: this.#autoscaler.bounds } : {}),
        prefetch: this.#prefetch,
        stopping: this.#stopping !== null,
        ...(this.#deps.isolates ? { isolates: { ...this.#deps.isolates.stats() } } : {}),
      },
    };
    emitSignal(this.#deps.signals, "workerHeartbeat", heartbeat);
    if (this.#backend) {
      await this.#backend.setWorkerHeartbeat(heartbeat, {
        ttl: Math.max(this.#heartbeatMs * 3, 1_000),
      });
    }
  }

  /**
   * What autoscaling follows: running tasks, tasks waiting in this worker's queues, and deliveries
   * a broker leased ahead to this worker that have not started (estimated as the queues' leased
   * count beyond the running tasks, at most the prefetch headroom: brokers that read in batches
   * hold them in the consumer, where they count as leased, not waiting).
   */
  async #demand(): Promise<number> {
    const counts = await Promise.all(this.#queues.map((queue) => this.#broker.counts(queue)));
    const running = this.#runs.size;
    const waiting = counts.reduce((sum, c) => sum + c.pending, 0);
    const leased = counts.reduce((sum, c) => sum + c.inflight, 0);
    const aheadOfUs = Math.min(
      Math.max(0, leased - running),
      Math.max(0, this.#prefetch - running),
    );
    return running + waiting + aheadOfUs;
  }

  /** The last error that interrupted the consume loop, if any. */
  get loopError(): unknown {
    return this.#loopError;
  }
}

async function* nothing(): AsyncGenerator<Delivery> {}

function requestedQueues(options: WorkerOptions): string[] {
  const queues = [
    ...(options.queues ?? []),
    ...(options.queue === undefined ? [] : [options.queue]),
  ];
  return queues.length > 0 ? queues : ["default"];
}

function prefetchMultiplierOf(value: number | undefined): number {
  if (value === undefined) return 2;
  if (!Number.isInteger(value) || value < 1) {
    throw new StemError(
      ErrorCode.invalidConfig,
      `Invalid prefetchMultiplier ${value}: use a positive integer (prefetch = concurrency × it).`,
    );
  }
  return value;
}
