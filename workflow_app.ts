/**
 * `StemWorkflowApp`: a `StemApp` whose worker also executes workflow runs, with the runtime
 * wired to the set's `WorkflowStore` and `EventBus`. A composition root like `app.ts`.
 *
 * @module
 */
import { StemApp } from "./app.ts";
import type { StemAppUrlOptions } from "./src/bootstrap/connect_app.ts";
import type { StemAppOptions } from "./src/bootstrap/stem_app_base.ts";
import type { Duration } from "./src/core/duration.ts";
import type { AnyTaskHandler } from "./src/core/task_handler.ts";
import type { EventRef } from "./src/workflow/event_ref.ts";
import type { RunState, StepCheckpoint, WorkflowWatcher } from "./src/workflow/run_state.ts";
import type { WorkflowDefinition, WorkflowRef } from "./src/workflow/workflow_definition.ts";
import { WorkflowDefinitionError } from "./src/workflow/workflow_errors.ts";
import { FunctionTaskHandler } from "./src/core/task_handler.ts";
import {
  type StartWorkflowOptions,
  WORKFLOW_RUN_TASK,
  type WorkflowResult,
  WorkflowRuntime,
} from "./src/workflow/workflow_runtime.ts";
import type { WorkflowSignals } from "./src/workflow/workflow_signals.ts";
import type { ListRunsQuery } from "./src/workflow/workflow_store.ts";

/** Options of the `StemWorkflowApp` presets. */
export interface StemWorkflowAppOptions extends Omit<StemAppOptions, "tasks"> {
  /** Declarative workflows. */
  // deno-lint-ignore no-explicit-any
  flows?: WorkflowDefinition<any, any>[];
  /** Imperative workflows. */
  // deno-lint-ignore no-explicit-any
  scripts?: WorkflowDefinition<any, any>[];
  /** Ordinary task handlers (steps may enqueue them). */
  tasks?: AnyTaskHandler[];
  /** Queue of workflow executions. @default "workflow" */
  workflowQueue?: string;
  /** Run lease length. @default "30s" */
  leaseDuration?: Duration;
  /** How often due runs are looked for. @default "500ms" */
  pollInterval?: Duration;
  /** Start workflows by name that this app does not define (a producer). @default false */
  allowUnregistered?: boolean;
}

/**
 * Workflows on one app: `startWorkflow`, `waitForCompletion`, `emit`, `cancel`, `rewind`.
 *
 * @example
 * ```ts
 * import { Flow, StemWorkflowApp } from "./mod.ts";
 * const greet = new Flow<{ name: string }, string>({
 *   name: "demo.greet",
 *   build: (flow) => {
 *     flow.step("hello", (step) => `Hello ${step.params.name}`);
 *   },
 * });
 * const app = await StemWorkflowApp.inMemory({ flows: [greet] });
 * await app.start();
 * const runId = await app.startWorkflow(greet, { name: "Stem" });
 * const done = await app.waitForCompletion(greet, runId, { timeout: "5s" });
 * console.log(done.value); // "Hello Stem"
 * await app.shutdown();
 * ```
 */
export class StemWorkflowApp {
  /** The underlying app (producer, worker, stores). */
  readonly app: StemApp;
  /** The workflow runtime. */
  readonly runtime: WorkflowRuntime;

  private constructor(app: StemApp, runtime: WorkflowRuntime) {
    this.app = app;
    this.runtime = runtime;
  }

  /** Everything in memory. */
  static inMemory(options: StemWorkflowAppOptions = {}): Promise<StemWorkflowApp> {
    return StemWorkflowApp.#build((o) => StemApp.inMemory(o), options);
  }

  /** On a SQLite file. */
  static sqlite(
    path: string,
    options: StemWorkflowAppOptions & StemAppUrlOptions = {},
  ): Promise<StemWorkflowApp> {
    return StemWorkflowApp.fromUrl(`sqlite:${path}`, options);
  }

  /** On the stores of a URL (`memory://`, `redis://`, `postgres://`, `sqlite:`). */
  static fromUrl(
    url: string,
    options: StemWorkflowAppOptions & StemAppUrlOptions = {},
  ): Promise<StemWorkflowApp> {
    return StemWorkflowApp.#build((o) => StemApp.fromUrl(url, o), options);
  }

  static async #build(
    open: (options: StemAppOptions) => Promise<StemApp>,
    options: StemWorkflowAppOptions,
  ): Promise<StemWorkflowApp> {
    const {
      flows = [],
      scripts = [],
      tasks = [],
      workflowQueue = "workflow",
      leaseDuration,
      pollInterval,
      allowUnregistered = false,
      ...rest
    } = options;
    const bound: { runtime?: WorkflowRuntime } = {};
    // The worker's handler needs the runtime and the runtime the app's producer: bind lazily.
    const handler = new FunctionTaskHandler<void, { runId: string }>({
      name: WORKFLOW_RUN_TASK,
      // The delivery lease follows the run lease, so a killed worker's runs come back as soon.
      options: {
        queue: workflowQueue,
        maxRetries: 1_000_000,
        visibilityTimeout: leaseDuration ?? "30s",
      },
      entrypoint: (ctx, args) => bound.runtime!.executeRun(args.runId, ctx),
    });
    const queues = rest.queues ?? [
      ...new Set([
        workflowQueue,
        rest.defaultQueue ?? "default",
        ...tasks.flatMap((t) => t.options?.queue ?? []),
      ]),
    ];
    const app = await open({ ...rest, tasks: [...tasks, handler], queues });
    const store = app.stores.workflows;
    if (!store) {
      await app.close();
      throw new WorkflowDefinitionError(
        "This adapter has no workflow store yet; use memory://, sqlite:, postgres:// or redis://.",
      );
    }
    const runtime = bound.runtime = new WorkflowRuntime({
      store,
      producer: app.stem as never,
      events: app.stores.events,
      clock: rest.clock,
      queue: workflowQueue,
      executionQueue: rest.defaultQueue ?? "default",
      leaseDuration,
      pollInterval,
      workflows: [...flows, ...scripts] as never,
      requireRegistered: !allowUnregistered,
    });
    return new StemWorkflowApp(app, runtime);
  }

  /** The runtime's life-cycle signals. */
  get signals(): WorkflowSignals {
    return this.runtime.signals;
  }

  /** Starts the worker and the due-run poller. */
  async start(): Promise<void> {
    await this.app.start();
    this.runtime.start();
  }

  /** Starts a run; returns its id. */
  startWorkflow<P, R>(
    workflow: WorkflowRef<P, R> | string,
    params?: P,
    options?: StartWorkflowOptions,
  ): Promise<string> {
    return this.runtime.startWorkflow(workflow, params, options);
  }

  /** Waits for a run to finish; the ref types the value. */
  waitForCompletion<P, R>(
    workflow: WorkflowRef<P, R>,
    runId: string,
    options?: { timeout?: Duration },
  ): Promise<WorkflowResult<R>>;
  /** Waits for a run to finish. */
  waitForCompletion(
    runId: string,
    options?: { timeout?: Duration },
  ): Promise<WorkflowResult<unknown>>;
  /** Implementation. */
  waitForCompletion<P, R>(
    a: WorkflowRef<P, R> | string,
    b?: string | { timeout?: Duration },
    c?: { timeout?: Duration },
  ): Promise<WorkflowResult<R>> {
    if (typeof a === "string") {
      return this.runtime.waitForCompletion<R>(a, b as { timeout?: Duration });
    }
    return this.runtime.waitForCompletion<R>(b as string, c);
  }

  /** Delivers a typed event (payload checked against the ref); returns how many runs resumed. */
  emit<T>(event: EventRef<T>, payload: T): Promise<number>;
  /** Delivers an event on a topic; returns how many runs resumed. */
  emit(topic: string, payload?: unknown): Promise<number>;
  /** Implementation. */
  emit(event: string | EventRef<unknown>, payload?: unknown): Promise<number> {
    return this.runtime.emit(event, payload);
  }

  /** Cancels a run. */
  cancel(runId: string, reason?: string): Promise<void> {
    return this.runtime.cancel(runId, reason);
  }

  /** Re-runs a run from `step` (re-enqueued). */
  rewind(runId: string, step: string): Promise<void> {
    return this.runtime.rewind(runId, step);
  }

  /** The run, or null. */
  getRun(runId: string): Promise<RunState | null> {
    return this.runtime.getRun(runId);
  }

  /** Runs, newest first. */
  listRuns(query?: ListRunsQuery): Promise<RunState[]> {
    return this.runtime.listRuns(query);
  }

  /** A run's checkpoints. */
  listSteps(runId: string): Promise<StepCheckpoint[]> {
    return this.runtime.listSteps(runId);
  }

  /** Waiting runs (at most `limit`, default 100), oldest first. */
  listWatchers(topic?: string, limit?: number): Promise<WorkflowWatcher[]> {
    return this.runtime.listWatchers(topic, limit);
  }

  /** Stops the poller, the worker and the stores. */
  async shutdown(options: { timeout?: Duration } = {}): Promise<void> {
    this.runtime.stop();
    await this.app.close(options);
  }
}
