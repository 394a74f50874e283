import type { ResultBackend } from "../backend/result_backend.ts";
import type { Broker } from "../broker/broker.ts";
import type { DeadLetterStore } from "../broker/dead_letter_store.ts";
import type { StoreSet } from "../core/adapter.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { Duration } from "../core/duration.ts";
import type { AnyTaskHandler } from "../core/task_handler.ts";
import { SimpleTaskRegistry } from "../core/task_registry.ts";
import type { Logger } from "../observability/logger.ts";
import {
  type TaskPayloadEncoder,
  TaskPayloadEncoderRegistry,
} from "../producer/payload_encoder.ts";
import { Stem, type StemOptions } from "../producer/stem.ts";
import type { EnvelopeSigner } from "../security/envelope_signer.ts";
import { createSignals, type StemSignalSet } from "../signals/stem_signals.ts";
import type { RetryStrategy } from "../worker/retry_strategy.ts";
import { replayResetsStatus } from "../worker/dead_letter_replay.ts";
import type { TaskMiddleware } from "../worker/middleware.ts";
import { Worker, type WorkerOptions } from "../worker/worker.ts";
import { KvRevokeStore } from "../control/kv_revoke_store.ts";
import { Beat } from "../scheduler/beat.ts";
import { beatDuplicateFilter } from "../scheduler/beat_duplicate_filter.ts";
import { KvScheduleStore } from "../scheduler/kv_schedule_store.ts";
import type { ScheduleStore } from "../scheduler/schedule_store.ts";
import type { RevokeEntry, RevokeStore } from "../control/revoke_store.ts";
import { type RevokeOptions, revokeTask } from "../control/revoke_task.ts";
import { locksOf } from "../locks/locks_of.ts";
import { UniqueTasks } from "../unique/unique_tasks.ts";
import { QueueConcurrency } from "../rate_limit/queue_concurrency.ts";
import { rateLimiterOf } from "../rate_limit/rate_limiter_of.ts";
import { RateLimits } from "../rate_limit/rate_limits.ts";
import type { TaskRegistry } from "../core/task_registry.ts";
import { runBeforeUse } from "./start_on_first_use.ts";
import { Canvas } from "../canvas/canvas.ts";
import type { ControlApi, MemoryUsage } from "../control/control_api.ts";
import { ControlClient } from "../control/control_client.ts";
import { KvPausedQueues } from "../control/paused_queues.ts";
import type { IsolateOptions } from "../isolate/isolate_options.ts";
import type { AutoscaleOptions } from "../worker/autoscaler.ts";
import { isMissingKv, resultBackendOf, type StemAppParts, storesFromParts } from "./store_sets.ts";
import { RoutingConfig, type RoutingOptions } from "../routing/routing_config.ts";
import { BroadcastDirectory, broadcastInboxOf } from "../routing/broadcast_directory.ts";
import { BroadcastSubscription } from "../routing/broadcast_subscription.ts";
import { uuidv7 } from "../core/ids.ts";
import type { JsonValue } from "../core/envelope.ts";
import type { EventBus } from "../workflow/event_bus.ts";
import { QueueEvents } from "../queue_events/queue_events.ts";
import { QueueEventsPublisher } from "../queue_events/queue_events_publisher.ts";

/** Options shared by every `StemApp` factory. */
export interface StemAppOptions {
  /** Task handlers to register. */
  tasks?: AnyTaskHandler[];
  /**
   * Start the worker on the first enqueue, status read or wait, so `start()` is optional. An app
   * without tasks is a producer and never starts a worker by itself (it would take other
   * services' tasks and fail them as unknown).
   * @default true
   */
  autoStart?: boolean;
  /** Queues the app's worker consumes. @default the queues of the tasks, plus `defaultQueue` */
  queues?: string[];
  /** Queue of tasks that name none (`STEM_DEFAULT_QUEUE`). @default "default" */
  defaultQueue?: string;
  /** Worker concurrency. @default 10 */
  concurrency?: number;
  /** Concurrency that follows demand between `min` and `max` (see `WorkerOptions.autoscale`). */
  autoscale?: AutoscaleOptions;
  /** Worker prefetch. @default concurrency * prefetchMultiplier */
  prefetch?: number;
  /** Prefetch per unit of concurrency (`STEM_PREFETCH_MULTIPLIER`). @default 2 */
  prefetchMultiplier?: number;
  /** Retry strategy for tasks without a retry policy. */
  retryStrategy?: RetryStrategy;
  /** Task middleware for the app's worker, composed in order. @default [] */
  middleware?: TaskMiddleware[];
  /** Extra payload encoders. */
  encoders?: TaskPayloadEncoder[];
  /** Signs on enqueue, verifies in the worker. */
  signer?: EnvelopeSigner;
  /** Time source. */
  clock?: Clock;
  /** Where the app's diagnostics go (producer, worker and the adapter's stores). @default silentLogger */
  logger?: Logger;
  /** Worker id. */
  workerId?: string;
  /** Lifetime of statuses. */
  resultTtl?: Duration;
  /** Keep a copy of each task's arguments on its statuses (see `StemOptions.recordArgs`). @default false */
  recordArgs?: boolean | { maxBytes?: number };
  /** Random source for retry jitter (inject for deterministic tests). @default Math.random */
  random?: () => number;
  /** Interval of worker heartbeats. @default "10s" ("60s" on Redis over HTTP, see docs/edge_workers.md) */
  heartbeatInterval?: Duration;
  /** How often the worker re-reads revocations. @default "1s" ("60s" on Redis over HTTP) */
  revokeSyncInterval?: Duration;
  /** How often the worker re-reads persisted queue pauses. @default "2s" ("60s" on Redis over HTTP) */
  pauseSyncInterval?: Duration;
  /** What the worker reports about itself in heartbeats (host, pid, runtime, version). */
  identity?: WorkerOptions["identity"];
  /**
   * Install the unique-task middleware (over `stores.locks`, or a `KvLockStore` on `stores.kv`)
   * in front of `middleware`. Needed for `unique` set at the call site of a task whose handler
   * does not set it. @default true when some task's options set `unique`
   */
  uniqueTasks?: boolean;
  /**
   * Most tasks running at once per queue across every worker of the cluster: `{ reports: 2 }`
   * (slot leases over `stores.locks`, freed by lease expiry when a worker crashes).
   */
  queueConcurrency?: Record<string, number>;
  /**
   * Answer remote control commands (`app.control`, `stem worker …`) over the store set's event
   * bus. @default true (off, with a log line, when the set has no bus)
   */
  control?: boolean;
  /** Reports memory for `stats` (worker processes pass the runtime's). @default none */
  memoryProbe?: () => MemoryUsage | null;
  /**
   * The worker's isolate pool for tasks marked `isolation: "worker"`: `tasks` is the module the
   * isolates load (`new URL("./tasks.ts", import.meta.url)`). `StemApp` picks the runtime's
   * runner. See docs/isolation.md.
   */
  isolate?: IsolateOptions;
  /**
   * Where tasks go (routes by task glob and header, aliases, priority ranges, broadcast
   * channels): applied by the producer to every publish, and, unless `queues` is given, the
   * source of the queues the worker consumes. See docs/routing.md.
   */
  routing?: RoutingConfig | RoutingOptions;
  /**
   * Broadcast channels the app's worker subscribes to (it runs each task sent to one once).
   * @default every channel the routing config declares, when the app has tasks
   */
  broadcasts?: string[];
  /**
   * Publish task lifecycle events (waiting, delayed, active, progress, completed, failed,
   * retried, dead-lettered, cancelled) on the store set's `EventBus` for `app.queueEvents()`
   * listeners in any process. Off by default: it costs one bus message per step of every task.
   * @default false
   */
  publishQueueEvents?: boolean;
}

/**
 * The base of `StemApp` (the preset in the top-level `app.ts` adds the built-in adapters): a
 * producer, a worker and their wiring over one {@link StoreSet}, with no adapter imports.
 *
 * @example
 * ```ts
 * import { StemAppBase } from "./stem_app_base.ts";
 * import { FunctionTaskHandler } from "../core/task_handler.ts";
 * import type { StoreSet } from "../core/adapter.ts";
 * declare const stores: StoreSet; // from an adapter's connect(url)
 * const app = new StemAppBase(stores, {
 *   tasks: [new FunctionTaskHandler({ name: "hello.print", entrypoint: (_ctx, args) => `Hello ${args.name}` })],
 * });
 * const id = await app.stem.enqueue("hello.print", { args: { name: "Stem" } }); // starts the worker
 * const result = await app.stem.waitForTask<string>(id, { timeout: "5s" });
 * await app.close();
 * ```
 */
export class StemAppBase {
  /** The producer; its first enqueue, status read or wait starts the worker (see `autoStart`). */
  readonly stem: Stem;
  /** The worker. */
  readonly worker: Worker;
  /** Every store of the app, on the adapter's one connection. */
  readonly stores: StoreSet;
  /** The broker. */
  readonly broker: Broker;
  /** The result backend (the set's statuses, groups and heartbeats as one object). */
  readonly backend: ResultBackend;
  /** The broker's dead letters: list, inspect, replay, purge. */
  readonly deadLetters: DeadLetterStore;
  /** The task registry. */
  readonly registry: SimpleTaskRegistry;
  /** The app's own signals (the global `StemSignals` fire too). */
  readonly signals: StemSignalSet;
  /** Task revocations: the set's own, else written over its `kv`. */
  readonly revokes: RevokeStore;
  /** Beat's schedule entries: the set's own, else written over its `kv`. */
  readonly schedules: ScheduleStore;
  /** The routing config producer and worker share, when one was given. */
  readonly routing: RoutingConfig | undefined;
  #beat: Beat | undefined;
  readonly #options: StemAppOptions;
  readonly #autoStart: boolean;
  readonly #clock: Clock;
  #canvas: Canvas | undefined;
  #control: ControlClient | undefined;
  #subscription: BroadcastSubscription | undefined;
  #publisher: QueueEventsPublisher | undefined;
  #workerStarted = false;
  #closed = false;

  /** Wires an app over a store set (or a broker and backend you made). */
  constructor(stores: StoreSet | StemAppParts, options: StemAppOptions = {}) {
    this.stores = isStoreSet(stores) ? stores : storesFromParts(stores);
    this.broker = this.stores.broker;
    this.backend = resultBackendOf(this.stores);
    // Replays through the app reset each task's status to `queued` (see docs/results.md).
    this.deadLetters = replayResetsStatus(this.stores.deadLetters, this.stores.statuses);
    this.registry = new SimpleTaskRegistry(options.tasks ?? []);
    this.signals = createSignals();
    this.revokes = this.stores.revokes ?? new KvRevokeStore(this.stores.kv);
    this.schedules = this.stores.schedules ?? new KvScheduleStore(this.stores.kv);
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#autoStart = options.autoStart ?? true;
    const encoders = new TaskPayloadEncoderRegistry(options.encoders ?? []);
    this.routing = options.routing === undefined || options.routing instanceof RoutingConfig
      ? options.routing
      : new RoutingConfig(options.routing);
    const tasks = options.tasks ?? [];
    const workerId = options.workerId ?? `stem-worker-${uuidv7().slice(-12)}`;
    const directory = new BroadcastDirectory(this.stores.kv);
    const channels = options.broadcasts ??
      (tasks.length > 0 ? [...(this.routing?.broadcasts ?? [])] : []);
    const queues = options.queues ? [...options.queues] : this.routing
      ? this.routing.workerQueues(
        tasks.map((t) => t.name),
        [
          ...(options.defaultQueue ? [options.defaultQueue] : []),
          ...tasks.flatMap((t) => t.options?.queue ? [t.options.queue] : []),
        ],
      )
      : defaultQueues(tasks, options.defaultQueue);
    if (channels.length > 0) {
      const inbox = broadcastInboxOf(workerId);
      queues.push(inbox);
      this.#subscription = new BroadcastSubscription({
        directory,
        channels,
        workerId,
        inbox,
        clock: options.clock,
        logger: options.logger,
      });
    }
    const middleware = [
      ...builtInMiddleware(this.stores, options, this.signals, this.registry),
      ...(options.middleware ?? []),
    ];
    const stemOptions: StemOptions = {
      broker: this.broker,
      backend: this.backend,
      registry: this.registry,
      // An app with tasks refuses names it does not know (typos); a producer-only app sends any.
      requireRegistered: (options.tasks?.length ?? 0) > 0,
      encoders,
      signer: options.signer,
      clock: options.clock,
      signals: this.signals,
      resultTtl: options.resultTtl,
      recordArgs: options.recordArgs,
      defaultQueue: options.defaultQueue,
      logger: options.logger,
      middleware,
      routing: this.routing,
      broadcasts: directory,
    };
    this.stem = runBeforeUse(new Stem(stemOptions), () => this.#beforeUse());
    const workerOptions: WorkerOptions = {
      broker: this.broker,
      backend: this.backend,
      registry: this.registry,
      queues,
      concurrency: options.concurrency,
      autoscale: options.autoscale,
      prefetch: options.prefetch,
      prefetchMultiplier: options.prefetchMultiplier,
      retryStrategy: options.retryStrategy,
      middleware,
      encoders,
      signer: options.signer,
      stem: this.stem,
      signals: this.signals,
      clock: options.clock,
      workerId,
      resultTtl: options.resultTtl,
      random: options.random,
      heartbeatInterval: options.heartbeatInterval ?? this.stores.workerDefaults?.heartbeatInterval,
      revokeSyncInterval: options.revokeSyncInterval ??
        this.stores.workerDefaults?.revokeSyncInterval,
      pauseSyncInterval: options.pauseSyncInterval ?? this.stores.workerDefaults?.pauseSyncInterval,
      identity: options.identity,
      revokes: this.revokes,
      logger: options.logger,
      kv: this.stores.kv,
      events: this.stores.events,
      queuePauses: !isMissingKv(this.stores.kv),
      control: options.control,
      memoryProbe: options.memoryProbe,
      isolate: options.isolate,
    };
    this.worker = new Worker(workerOptions);
    // However the worker was started (app.start(), worker.start()), first use must not start it
    // again: a worker someone shut down stays down.
    if (options.publishQueueEvents) {
      this.#publisher = new QueueEventsPublisher({
        bus: this.#eventBus("publishQueueEvents"),
        clock: options.clock,
        logger: options.logger,
      });
      this.#publisher.connect(this.signals);
    }
    this.signals.workerReady.connect(() => {
      this.#workerStarted = true;
      void this.#subscription?.start();
    }, { filter: (ready) => ready.workerId === this.worker.id });
    this.signals.workerStopping.connect(() => void this.#subscription?.stop(), {
      filter: (stopping) => stopping.workerId === this.worker.id,
    });
  }

  /** Chains, groups, chords and batches over this app's producer and stores. */
  get canvas(): Canvas {
    return this.#canvas ??= new Canvas(this.stem, { kv: this.stores.kv });
  }

  /**
   * Remote control of every worker on these stores (this app's and other processes'): ping,
   * inspect, stats, pause/resume a queue (persisted), shutdown, revoke. Commands travel over the
   * store set's event bus; see docs/operations.md.
   *
   * @example
   * ```ts ignore
   * const { replies, missing } = await app.control.ping({ timeout: "1s" });
   * await app.control.pause("emails", { reason: "provider outage" });
   * ```
   */
  get control(): ControlApi {
    return this.#control ??= new ControlClient({
      events: this.stores.events,
      heartbeats: this.stores.heartbeats,
      pauses: new KvPausedQueues(this.stores.kv),
      revokes: this.revokes,
      statuses: this.stores.statuses,
      clock: this.#clock,
    });
  }

  /** Starts the worker (optional: the first enqueue or wait does it unless `autoStart: false`). */
  async start(): Promise<void> {
    if (this.#closed) {
      throw new TypeError("This StemApp was closed; create a new one to start again.");
    }
    await this.worker.start();
    await this.#subscription?.start();
  }

  /** Shuts the worker down (waiting up to `timeout` for running tasks), then closes the stores once. */
  async close(options: { timeout?: Duration } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#beat?.stop();
    await this.#subscription?.stop();
    await this.worker.shutdown({ timeout: options.timeout ?? "10s" });
    this.#publisher?.disconnect();
    await this.stores.close();
  }

  /**
   * Revokes a task: it is never run if it has not started (marked `cancelled` at once when its
   * status says it is waiting), and with `terminate` a worker running it aborts its `ctx.signal`
   * and records it `cancelled`. Persisted, so workers that start later honour it; workers read
   * revocations every second (`revokeSyncInterval`).
   *
   * @example
   * ```ts ignore
   * await app.revoke(id, { terminate: true, reason: "order cancelled", expires: "1h" });
   * ```
   */
  async revoke(taskId: string, options: RevokeOptions = {}): Promise<RevokeEntry> {
    const entry = await revokeTask(
      { revokes: this.revokes, statuses: this.stores.statuses, clock: this.#clock },
      taskId,
      options,
    );
    this.worker.revocations?.add(entry);
    return entry;
  }

  /**
   * The app's Beat scheduler over {@link StemAppBase.schedules}, made on first use and stopped by
   * `close()`. Call `app.beat.start()` in the one process (or several) that should dispatch.
   */
  get beat(): Beat {
    return this.#beat ??= new Beat({
      stem: this.stem,
      store: this.schedules,
      clock: this.#options.clock,
      logger: this.#options.logger,
      signals: this.signals,
    });
  }

  /**
   * A started listener of task lifecycle events on `queue` (every queue when omitted), from
   * every process on this store set that publishes them (`publishQueueEvents`). Close it when
   * done. Needs a store set with an `EventBus` (memory: this process only; Redis: every process).
   *
   * @example
   * ```ts ignore
   * const events = await app.queueEvents("emails");
   * events.on("completed", (e) => console.log(e.taskId, e.result));
   * ```
   */
  async queueEvents(queue?: string): Promise<QueueEvents> {
    const listener = new QueueEvents(this.#eventBus("queueEvents()"), { queue });
    await listener.start();
    return listener;
  }

  /**
   * Publishes a custom event (`type: "custom"`, with `name` and `data`) to `queue`'s listeners
   * (`listener.onCustom<T>(name, fn)`); `T` types the payload at both ends.
   */
  async emitQueueEvent<T extends JsonValue = JsonValue>(
    queue: string,
    name: string,
    payload: T | null = null,
  ): Promise<void> {
    const publisher = this.#publisher ??
      new QueueEventsPublisher({ bus: this.#eventBus("emitQueueEvent()"), clock: this.#clock });
    await publisher.emit(queue, name, payload);
  }

  #eventBus(feature: string): EventBus {
    if (!this.stores.events) {
      throw new TypeError(
        `${feature} needs an EventBus, and this app's store set has none (\`stores.events\`): ` +
          "connect by URL to an adapter that provides one (memory, Redis).",
      );
    }
    return this.stores.events;
  }

  async #beforeUse(): Promise<void> {
    if (!this.#autoStart || this.#closed || this.#workerStarted) return;
    if (this.registry.list().length === 0) return;
    await this.worker.start();
    await this.#subscription?.start();
  }
}

/** The flow-control middleware the app's tasks ask for, outermost first. */
function builtInMiddleware(
  stores: StoreSet,
  options: StemAppOptions,
  signals: StemSignalSet,
  registry: TaskRegistry,
): TaskMiddleware[] {
  const tasks = options.tasks ?? [];
  // Beat fires published twice after a crash run once; other tasks pass straight through.
  const list: TaskMiddleware[] = [beatDuplicateFilter(stores.kv)];
  const { clock, logger } = options;
  const unique = options.uniqueTasks ?? tasks.some((t) => t.options?.unique);
  if (unique) {
    const { kv, statuses } = stores;
    list.push(new UniqueTasks({ locks: locksOf(stores), kv, statuses, clock, signals, logger }));
  }
  if (tasks.some((t) => t.options?.rateLimit || t.options?.groupRateLimit)) {
    const limiter = rateLimiterOf(stores, clock);
    const limits = new RateLimits({ limiter, registry, clock, logger, signals });
    for (const task of tasks) limits.validate(task.options);
    list.push(limits);
  }
  if (options.queueConcurrency && Object.keys(options.queueConcurrency).length > 0) {
    const limits = options.queueConcurrency;
    list.push(
      new QueueConcurrency({
        locks: locksOf(stores),
        limits,
        clock,
        logger,
        random: options.random,
      }),
    );
  }
  return list;
}

function isStoreSet(value: StoreSet | StemAppParts): value is StoreSet {
  return "statuses" in value && "close" in value;
}

function defaultQueues(tasks: AnyTaskHandler[], defaultQueue = "default"): string[] {
  const queues = new Set([defaultQueue]);
  for (const task of tasks) if (task.options?.queue) queues.add(task.options.queue);
  return [...queues];
}
