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
import { StemApp, StemWorkflowApp, type WorkflowDefinition } from "../mod.ts";
import { type AdapterConnectOptions, redactUrl } from "../src/core/adapter.ts";
import type { Duration } from "../src/core/duration.ts";
import type { CliIo } from "./cli/output.ts";
import { messageOf } from "./cli/output.ts";
import { processIdentity } from "./runtime/identity.ts";
import { processMemory } from "./runtime/memory.ts";
import { onShutdownSignal } from "./runtime/signals.ts";
import type { RoutingConfig } from "../src/routing/routing_config.ts";

/** Everything a worker process needs, already resolved from flags and environment. */
export interface WorkerProcessOptions {
  /**
   * Path of a module exporting `tasks: TaskHandler[]` (and optionally `adapters`, and workflow
   * definitions as `flows`, `scripts` or `workflows`).
   */
  tasksModule: string;
  /** Another module exporting `flows`, `scripts` or `workflows` (`stem worker --workflows`). */
  workflowsModule?: string;
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
  /** Routing (`STEM_ROUTING`): the queues come from it unless `queues` names them. */
  routing?: RoutingConfig;
}

// deno-lint-ignore no-explicit-any
type AnyWorkflow = WorkflowDefinition<any, any>;

interface TasksModule {
  tasks?: AnyTaskHandler[];
  adapters?: StemAdapter[];
  flows?: AnyWorkflow[];
  scripts?: AnyWorkflow[];
  workflows?: AnyWorkflow[];
}

interface Loaded {
  tasks: AnyTaskHandler[];
  adapters: StemAdapter[];
  workflows: AnyWorkflow[];
}

function workflowsOf(path: string, mod: TasksModule): AnyWorkflow[] {
  const out: AnyWorkflow[] = [];
  for (const key of ["flows", "scripts", "workflows"] as const) {
    const list = mod[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      throw new TypeError(`${path} exports "${key}" but it is not an array of workflows.`);
    }
    out.push(...list);
  }
  return out;
}

async function loadTasks(path: string, workflowsPath?: string): Promise<Loaded> {
  const mod = await import(pathToFileURL(resolve(path)).href) as TasksModule;
  if (!Array.isArray(mod.tasks)) {
    throw new TypeError(`${path} must export "tasks": an array of task handlers.`);
  }
  const workflows = workflowsOf(path, mod);
  if (workflowsPath) {
    const extra = await import(pathToFileURL(resolve(workflowsPath)).href) as TasksModule;
    const found = workflowsOf(workflowsPath, extra);
    if (found.length === 0) {
      throw new TypeError(
        `${workflowsPath} must export "flows", "scripts" or "workflows": arrays of workflows.`,
      );
    }
    workflows.push(...found);
  }
  return { tasks: mod.tasks, adapters: mod.adapters ?? [], workflows };
}

/** The queue `stem wf start` and `StemWorkflowApp` put workflow executions on. */
const WORKFLOW_QUEUE = "workflow";

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

function describe(app: StemApp, options: WorkerProcessOptions, workflows: number): string {
  const flows = workflows > 0 ? `, ${workflows} workflow${workflows === 1 ? "" : "s"}` : "";
  const results = options.backendUrl === options.brokerUrl
    ? ""
    : `, results on ${redactUrl(options.backendUrl)}`;
  const concurrency = options.autoscale
    ? `autoscale ${options.autoscale.min}-${options.autoscale.max}`
    : `concurrency ${options.concurrency}`;
  const isolates = options.isolate ? `, isolates ${options.isolate.size}` : "";
  return `[stem] worker ${app.worker.id} consuming ${app.worker.queues.join(", ")} on ${
    redactUrl(options.brokerUrl)
  } (${concurrency}, prefetch ${options.prefetch}${isolates}${flows}${results})`;
}

/** Starts a worker process; resolves when it has shut down gracefully. */
export async function runWorkerProcess(options: WorkerProcessOptions, io: CliIo): Promise<void> {
  const { tasks, adapters, workflows } = await loadTasks(
    options.tasksModule,
    options.workflowsModule,
  );
  // With a routing config the app derives the queues from it (and adds its broadcast inbox).
  const queues = options.routing && !options.queues?.length ? undefined : queuesOf(options, tasks);
  // Workflow executions arrive on the workflow queue: consume it unless queues were chosen.
  if (workflows.length > 0 && queues && !options.queues?.length) queues.push(WORKFLOW_QUEUE);
  const appOptions = {
    tasks,
    routing: options.routing,
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
  };
  let flows: StemWorkflowApp | null = null;
  let app: StemApp;
  if (workflows.length > 0) {
    flows = await StemWorkflowApp.fromUrl(options.brokerUrl, {
      ...appOptions,
      workflowQueue: WORKFLOW_QUEUE,
      flows: workflows,
    });
    app = flows.app;
  } else {
    app = await StemApp.fromUrl(options.brokerUrl, appOptions);
  }
  const start = () => flows ? flows.start() : app.start();
  const close = (o: { timeout: Duration }) => flows ? flows.shutdown(o) : app.close(o);
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
      stopped = close({ timeout: options.shutdownTimeout });
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
    await start();
    // The worker's consumer opens lazily; a round trip per queue proves the broker is reachable
    // and accepts us before the line that operators (and supervisors) wait for.
    await probe(app, app.worker.queues, options.readyTimeoutMs ?? 15_000);
  } catch (error) {
    if (!stopping) {
      await close({ timeout: 0 }).catch(() => {});
      throw error;
    }
  }
  if (!stopping) io.out(describe(app, options, workflows.length));
  try {
    await finished;
  } catch (error) {
    throw new Error(`Shutdown failed: ${messageOf(error)}`);
  }
  io.out(`[stem] worker ${app.worker.id} stopped`);
}
