/**
 * Runs a Stem worker as an OS process: loads task handlers from a module, connects by URL,
 * announces itself once its broker answers, and drains gracefully on SIGTERM/SIGINT (a second
 * signal exits at once). `stem worker` (workers/cli/worker.ts) resolves flags and `STEM_*`
 * variables into {@link WorkerProcessOptions}.
 *
 * @module
 */
import { consoleLogger, type Logger } from "../src/observability/logger.ts";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { AnyTaskHandler, EnvelopeSigner, StemAdapter, TaskPayloadEncoder } from "../mod.ts";
import { StemApp } from "../mod.ts";
import { type AdapterConnectOptions, redactUrl } from "../src/core/adapter.ts";
import type { Duration } from "../src/core/duration.ts";
import type { CliIo } from "./cli/output.ts";
import { messageOf } from "./cli/output.ts";
import { processIdentity } from "./runtime/identity.ts";
import { processMemory } from "./runtime/memory.ts";
import { onShutdownSignal } from "./runtime/signals.ts";

/** Everything a worker process needs, already resolved from flags and environment. */
export interface WorkerProcessOptions {
  /** Path of a module exporting `tasks: TaskHandler[]` (and optionally `adapters`). */
  tasksModule: string;
  /** Broker URL. */
  brokerUrl: string;
  /** Result backend URL. */
  backendUrl: string;
  /** Queues to consume; `undefined` = the default queue plus every queue the tasks name. */
  queues?: string[];
  /** The queue of tasks that name none (`STEM_DEFAULT_QUEUE`). */
  defaultQueue: string;
  /** Tasks run at once. */
  concurrency: number;
  /** Deliveries leased ahead of free slots. */
  prefetch: number;
  /** Concurrency that follows the backlog instead of `concurrency`. */
  autoscale?: { min: number; max: number };
  /** The isolate pool; its isolates load `tasksModule`. */
  isolate?: { size: number; maxTasksPerIsolate?: number; maxIsolateMemory?: number };
  /** Passed to the adapters (TLS). */
  connect: AdapterConnectOptions;
  /** Envelope verification. */
  signer?: EnvelopeSigner;
  /** Payload encoders (AES-GCM). */
  encoders: TaskPayloadEncoder[];
  /** Where the worker logs. @default warnings and errors as text on stderr */
  logger?: Logger;
  /** Graceful shutdown deadline. */
  shutdownTimeout: Duration;
  /** How long the broker may take to answer the readiness probe. @default 15000 */
  readyTimeoutMs?: number;
}

interface TasksModule {
  tasks?: AnyTaskHandler[];
  adapters?: StemAdapter[];
}

async function loadTasks(path: string): Promise<Required<TasksModule>> {
  const mod = await import(pathToFileURL(resolve(path)).href) as TasksModule;
  if (!Array.isArray(mod.tasks)) {
    throw new TypeError(`${path} must export "tasks": an array of task handlers.`);
  }
  return { tasks: mod.tasks, adapters: mod.adapters ?? [] };
}

function queuesOf(options: WorkerProcessOptions, tasks: AnyTaskHandler[]): string[] {
  if (options.queues?.length) return options.queues;
  const queues = new Set([options.defaultQueue]);
  for (const task of tasks) if (task.options?.queue) queues.add(task.options.queue);
  return [...queues];
}

/** Resolves once the broker answered for every queue; rejects when it does not in time. */
async function probe(app: StemApp, queues: string[], timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`The broker did not answer within ${timeoutMs} ms.`)),
      timeoutMs,
    );
  });
  try {
    await Promise.race([Promise.all(queues.map((q) => app.broker.counts(q))), late]);
  } finally {
    clearTimeout(timer);
  }
}

function describe(app: StemApp, options: WorkerProcessOptions): string {
  const results = options.backendUrl === options.brokerUrl
    ? ""
    : `, results on ${redactUrl(options.backendUrl)}`;
  const concurrency = options.autoscale
    ? `autoscale ${options.autoscale.min}-${options.autoscale.max}`
    : `concurrency ${options.concurrency}`;
  const isolates = options.isolate ? `, isolates ${options.isolate.size}` : "";
  return `[stem] worker ${app.worker.id} consuming ${app.worker.queues.join(", ")} on ${
    redactUrl(options.brokerUrl)
  } (${concurrency}, prefetch ${options.prefetch}${isolates}${results})`;
}

/** Starts a worker process; resolves when it has shut down gracefully. */
export async function runWorkerProcess(options: WorkerProcessOptions, io: CliIo): Promise<void> {
  const { tasks, adapters } = await loadTasks(options.tasksModule);
  const queues = queuesOf(options, tasks);
  const app = await StemApp.fromUrl(options.brokerUrl, {
    tasks,
    adapters,
    backendUrl: options.backendUrl,
    queues,
    concurrency: options.concurrency,
    autoscale: options.autoscale,
    isolate: options.isolate &&
      { ...options.isolate, tasks: pathToFileURL(resolve(options.tasksModule)) },
    prefetch: options.prefetch,
    signer: options.signer,
    encoders: options.encoders,
    connect: options.connect,
    identity: processIdentity(),
    memoryProbe: processMemory,
    // A worker process is run by a person or a supervisor: its warnings belong on stderr.
    logger: options.logger ?? consoleLogger({ level: "warn" }),
  });
  let stopping = false;
  let stopped!: Promise<void>;
  const finished = new Promise<void>((done, fail) => {
    const unlisten = onShutdownSignal((signal) => {
      if (stopping) {
        io.out(`[stem] ${signal} again: exiting now`);
        process.exit(130);
      }
      stopping = true;
      io.out(`[stem] ${signal}: finishing in-flight tasks…`);
      stopped = app.close({ timeout: options.shutdownTimeout });
      stopped.then(done, fail).finally(unlisten);
    });
    // `stem worker shutdown` (remote control) stopped the worker: close the stores and exit.
    app.signals.workerShutdown.connect(() => {
      if (stopping) return;
      stopping = true;
      io.out(`[stem] worker ${app.worker.id} shut down by a control command`);
      app.close({ timeout: 0 }).then(done, fail).finally(unlisten);
    }, { filter: (e) => e.workerId === app.worker.id });
  });
  try {
    await app.start();
    // The worker's consumer opens lazily; a round trip per queue proves the broker is reachable
    // and accepts us before the line that operators (and supervisors) wait for.
    await probe(app, queues, options.readyTimeoutMs ?? 15_000);
  } catch (error) {
    if (!stopping) {
      await app.close({ timeout: 0 }).catch(() => {});
      throw error;
    }
  }
  if (!stopping) io.out(describe(app, options));
  try {
    await finished;
  } catch (error) {
    throw new Error(`Shutdown failed: ${messageOf(error)}`);
  }
  io.out(`[stem] worker ${app.worker.id} stopped`);
}
