import { InMemoryBroker } from "../../adapters/memory/memory_broker.ts";
import { InMemoryResultBackend } from "../../adapters/memory/memory_result_backend.ts";
import type { ResultBackend } from "../backend/result_backend.ts";
import type { AdapterConnectOptions, StemAdapter } from "../core/adapter.ts";
import type { Broker } from "../broker/broker.ts";
import type { DeadLetterStore } from "../broker/dead_letter_store.ts";
import type { Clock } from "../core/clock.ts";
import type { Duration } from "../core/duration.ts";
import type { AnyTaskHandler } from "../core/task_handler.ts";
import { SimpleTaskRegistry } from "../core/task_registry.ts";
import {
  type TaskPayloadEncoder,
  TaskPayloadEncoderRegistry,
} from "../producer/payload_encoder.ts";
import { Stem } from "../producer/stem.ts";
import type { EnvelopeSigner } from "../security/envelope_signer.ts";
import { createSignals, type StemSignalSet } from "../signals/stem_signals.ts";
import type { RetryStrategy } from "../worker/retry_strategy.ts";
import { Worker } from "../worker/worker.ts";
import { resolveAdapter } from "./adapter_registry.ts";
import { replayResetsStatus } from "../worker/dead_letter_replay.ts";
import type { TaskMiddleware } from "../worker/middleware.ts";
import type { Logger } from "../observability/logger.ts";

/** Options shared by every `StemApp` factory. */
export interface StemAppOptions {
  /** Task handlers to register. */
  tasks?: AnyTaskHandler[];
  /** Queues the app's worker consumes. @default the queues of the tasks, plus "default" */
  queues?: string[];
  /** Worker concurrency. @default 10 */
  concurrency?: number;
  /** Worker prefetch. @default concurrency * 2 */
  prefetch?: number;
  /** Retry strategy for tasks without a retry policy. */
  retryStrategy?: RetryStrategy;
  /** Extra payload encoders. */
  encoders?: TaskPayloadEncoder[];
  /** Signs on enqueue, verifies in the worker. */
  signer?: EnvelopeSigner;
  /** Time source. */
  clock?: Clock;
  /** Worker id. */
  workerId?: string;
  /** Lifetime of statuses. */
  resultTtl?: Duration;
  /** Random source for retry jitter (inject for deterministic tests). @default Math.random */
  random?: () => number;
  /** Interval of worker heartbeats. @default "10s" */
  heartbeatInterval?: Duration;
  /** Task middleware for the app's worker, composed in order. @default [] */
  middleware?: TaskMiddleware[];
  /** Where the worker's diagnostics go. @default silentLogger */
  logger?: Logger;
}

/** Options of {@link StemApp.fromUrl}. */
export interface StemAppUrlOptions extends StemAppOptions {
  /** Result backend URL. @default the broker URL */
  backendUrl?: string;
  /** Adapters to resolve URL schemes with (besides the registered and built-in ones). */
  adapters?: StemAdapter[];
  /** Passed to the adapter's connect functions. */
  connect?: AdapterConnectOptions;
}

/** The parts of an app. */
export interface StemAppParts {
  /** Broker. */
  broker: Broker;
  /** Result backend. */
  backend: ResultBackend;
  /** Dead letters of the broker. @default the broker object, when it implements DeadLetterStore */
  deadLetters?: DeadLetterStore;
}

/**
 * A producer, a worker and their broker/backend, built in one call.
 *
 * @example
 * ```ts
 * import { StemApp } from "./stem_app.ts";
 * import { FunctionTaskHandler } from "../core/task_handler.ts";
 * const app = await StemApp.inMemory({
 *   tasks: [new FunctionTaskHandler({ name: "hello.print", entrypoint: (_ctx, args) => `Hello ${args.name}` })],
 * });
 * await app.start();
 * const id = await app.stem.enqueue("hello.print", { args: { name: "Stem" } });
 * const result = await app.stem.waitForTask<string>(id, { timeout: "5s" });
 * console.log(result.value); // "Hello Stem"
 * await app.close();
 * ```
 */
export class StemApp {
  /** The producer. */
  readonly stem: Stem;
  /** The worker. */
  readonly worker: Worker;
  /** The broker. */
  readonly broker: Broker;
  /** The result backend. */
  readonly backend: ResultBackend;
  /** The broker's dead letters: list, inspect, replay, purge. */
  readonly deadLetters: DeadLetterStore;
  /** The task registry. */
  readonly registry: SimpleTaskRegistry;
  /** The app's own signals (the global `StemSignals` fire too). */
  readonly signals: StemSignalSet;
  #closed = false;

  /** Wires an app from a broker and backend you made. */
  constructor(parts: StemAppParts, options: StemAppOptions = {}) {
    this.broker = parts.broker;
    this.backend = parts.backend;
    // Replays through the app reset each task's status to `queued` (see docs/results.md).
    this.deadLetters = replayResetsStatus(
      parts.deadLetters ?? (parts.broker as unknown as DeadLetterStore),
      parts.backend,
    );
    this.registry = new SimpleTaskRegistry(options.tasks ?? []);
    this.signals = createSignals();
    const encoders = new TaskPayloadEncoderRegistry(options.encoders ?? []);
    this.stem = new Stem({
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
    });
    this.worker = new Worker({
      broker: this.broker,
      backend: this.backend,
      registry: this.registry,
      queues: options.queues ?? defaultQueues(options.tasks ?? []),
      concurrency: options.concurrency,
      prefetch: options.prefetch,
      retryStrategy: options.retryStrategy,
      encoders,
      signer: options.signer,
      stem: this.stem,
      signals: this.signals,
      clock: options.clock,
      workerId: options.workerId,
      resultTtl: options.resultTtl,
      random: options.random,
      heartbeatInterval: options.heartbeatInterval,
      middleware: options.middleware,
      logger: options.logger,
    });
  }

  /** An app on the in-memory broker and backend: no servers, nothing persisted. */
  static inMemory(options: StemAppOptions = {}): Promise<StemApp> {
    const clock = options.clock;
    return Promise.resolve(
      new StemApp({
        broker: new InMemoryBroker({ clock }),
        backend: new InMemoryResultBackend({ clock }),
      }, options),
    );
  }

  /**
   * An app whose broker (and backend) come from URLs: `memory://`, `redis://`, `rediss://`,
   * `https://` (Upstash REST), `postgres://`, `sqlite:<path>`.
   */
  static async fromUrl(url: string, options: StemAppUrlOptions = {}): Promise<StemApp> {
    const backendUrl = options.backendUrl ?? url;
    if (url.startsWith("memory:") && backendUrl.startsWith("memory:")) {
      return StemApp.inMemory(options);
    }
    const brokerAdapter = await resolveAdapter(url, options.adapters);
    const backendAdapter = await resolveAdapter(backendUrl, options.adapters);
    const broker = await brokerAdapter.createBroker(url, options.connect);
    try {
      const backend = await backendAdapter.createBackend(backendUrl, options.connect);
      return new StemApp({ broker, backend }, options);
    } catch (error) {
      await broker.close();
      throw error;
    }
  }

  /** An app on a SQLite file: durable, no server, shared safely by worker processes on one machine. */
  static sqlite(path: string, options: StemAppUrlOptions = {}): Promise<StemApp> {
    return StemApp.fromUrl(`sqlite:${path}`, options);
  }

  /** Starts the worker. */
  async start(): Promise<void> {
    await this.worker.start();
  }

  /** Shuts the worker down (waiting up to `timeout` for running tasks) and closes connections. */
  async close(options: { timeout?: Duration } = {}): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.worker.shutdown({ timeout: options.timeout ?? "10s" });
    await this.broker.close();
    if ((this.backend as unknown) !== (this.broker as unknown)) await this.backend.close();
  }
}

function defaultQueues(tasks: AnyTaskHandler[]): string[] {
  const queues = new Set(["default"]);
  for (const task of tasks) if (task.options?.queue) queues.add(task.options.queue);
  return [...queues];
}
