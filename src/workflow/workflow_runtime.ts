import { type Clock, systemClock } from "../core/clock.ts";
import { type Duration, toMillis } from "../core/duration.ts";
import { DuplicateTaskIdError } from "../core/errors.ts";
import { uuidv7 } from "../core/ids.ts";
import type { JsonValue } from "../core/envelope.ts";
import type { TaskContext } from "../core/task_context.ts";
import type { TaskDefinition } from "../core/task_definition.ts";
import { FunctionTaskHandler } from "../core/task_handler.ts";
import type { TaskEnqueueOptions, TaskOptions } from "../core/task_options.ts";
import type { EventBus } from "./event_bus.ts";
import { type EventRef, parsePayload, topicOf } from "./event_ref.ts";
import {
  isTerminalStatus,
  type RunError,
  type RunState,
  type StepCheckpoint,
  type WorkflowWatcher,
} from "./run_state.ts";
import {
  PARENT_RUN_PARAMS_KEY,
  RUNTIME_PARAMS_KEY,
  runtimeMetadata,
  workflowParams,
} from "./runtime_metadata.ts";
import type { AwaitEventOptions, StepContext } from "./step_context.ts";
import {
  policyOf,
  type StepOptions,
  type WorkflowDefinition,
  type WorkflowRef,
} from "./workflow_definition.ts";
import {
  DuplicateRunError,
  UnknownRunError,
  UnknownWorkflowError,
  WorkflowDefinitionError,
} from "./workflow_errors.ts";
import {
  createWorkflowSignals,
  type WorkflowRunSignal,
  type WorkflowSignals,
} from "./workflow_signals.ts";
import type { ListRunsQuery, WorkflowStore } from "./workflow_store.ts";

/** Name of the internal task that executes workflow runs. */
export const WORKFLOW_RUN_TASK = "stem.workflow.run";

/** The producer calls the runtime makes. */
export interface WorkflowProducer {
  /** Enqueues a task. */
  enqueue(
    name: string,
    request?: {
      args?: Record<string, JsonValue>;
      meta?: Record<string, JsonValue>;
      enqueueOptions?: TaskEnqueueOptions;
    },
  ): Promise<string>;
  /** Waits for a task's result. */
  waitForTask<T>(
    id: string,
    options?: { timeout?: Duration },
  ): Promise<
    { value: T | undefined; status: { state: string; error?: unknown } | null; timedOut: boolean }
  >;
}

/** Options of {@link WorkflowRuntime}. */
export interface WorkflowRuntimeOptions {
  /** Durable run state. */
  store: WorkflowStore;
  /** The producer continuations and child tasks are enqueued through. */
  producer: WorkflowProducer;
  /** Workflows this runtime executes. */
  workflows?: WorkflowDefinition<never, unknown>[];
  /** Notifications (optional): completions and events are announced on it. */
  events?: EventBus;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Queue of first executions. @default "workflow" */
  queue?: string;
  /** Queue of resumptions. @default queue */
  continuationQueue?: string;
  /** Queue child tasks default to. @default "default" */
  executionQueue?: string;
  /** Run lease length. @default "30s" */
  leaseDuration?: Duration;
  /** How often due runs are looked for once started. @default "500ms" */
  pollInterval?: Duration;
  /**
   * How often stranded runs are looked for (see `recoverStrandedRuns`); also once at `start()`.
   * @default leaseDuration
   */
  recoveryInterval?: Duration;
  /** Prefix of the lease tokens this runtime's executions take. @default a fresh id */
  runtimeId?: string;
  /**
   * Refuse to start workflows this runtime does not define (typos). A producer-only runtime
   * (`stem wf start`) sets it to false and leaves execution to the workers that define them.
   * @default true
   */
  requireRegistered?: boolean;
}

/** Options of `startWorkflow`. */
export interface StartWorkflowOptions {
  /** Caller-chosen run id (a duplicate throws `duplicate-run-id`). */
  runId?: string;
  /** Parent run of a child workflow. */
  parentRunId?: string;
}

/** What `waitForCompletion` returns. */
export interface WorkflowResult<Result> {
  /** Run id. */
  runId: string;
  /** Last status seen. */
  status: RunState["status"];
  /** The result when completed. */
  value: Result | undefined;
  /** The last error when failed. */
  error: RunError | null;
  /** The run's state. */
  state: RunState;
  /** True when the wait ended before a terminal state. */
  timedOut: boolean;
}

interface Suspension {
  kind: "sleep" | "event";
  checkpoint: string;
  iteration: number;
  resumeAt?: number;
  topic?: string;
  deadline?: number | null;
}

/** Thrown through a step to end the execution; never a failure. */
class SuspendSignal {
  constructor(readonly suspension: Suspension) {}
}

/** Ends the execution quietly (the run was cancelled or the lease lost). */
class AbortExecution {
  constructor(readonly reason: string) {}
}

class StepFailure {
  constructor(
    readonly error: unknown,
    readonly options: StepOptions,
    readonly checkpoint?: string,
  ) {}
}

/**
 * Executes workflow runs: the `stem.workflow.run` task calls `executeRun`, which claims the run,
 * replays the definition from the top (stored checkpoints are returned without running their
 * steps) and persists the outcome: a checkpoint per step, a suspension, completion or failure.
 */
export class WorkflowRuntime {
  /** The run store. */
  readonly store: WorkflowStore;
  /** Life-cycle signals. */
  readonly signals: WorkflowSignals = createWorkflowSignals();
  /** Queue of first executions. */
  readonly queue: string;
  readonly #producer: WorkflowProducer;
  readonly #events: EventBus | undefined;
  readonly #clock: Clock;
  readonly #continuationQueue: string;
  readonly #executionQueue: string;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #recoveryMs: number;
  readonly #owner: string;
  readonly #definitions = new Map<string, WorkflowDefinition<never, unknown>>();
  readonly #finished = new Map<string, Set<() => void>>();
  #timer: unknown = null;
  #running = false;
  readonly #requireRegistered: boolean;

  /** Creates a runtime; `start()` begins the due-run poller. */
  constructor(options: WorkflowRuntimeOptions) {
    this.store = options.store;
    this.#producer = options.producer;
    this.#events = options.events;
    this.#clock = options.clock ?? systemClock;
    this.queue = options.queue ?? "workflow";
    this.#continuationQueue = options.continuationQueue ?? this.queue;
    this.#executionQueue = options.executionQueue ?? "default";
    this.#leaseMs = toMillis(options.leaseDuration ?? "30s");
    this.#pollMs = toMillis(options.pollInterval ?? "500ms");
    this.#recoveryMs = toMillis(options.recoveryInterval ?? this.#leaseMs);
    this.#owner = options.runtimeId ?? `wf-${uuidv7()}`;
    this.#requireRegistered = options.requireRegistered ?? true;
    for (const def of options.workflows ?? []) this.register(def);
  }

  /** Adds a workflow definition; a second one with the same name throws. */
  register(definition: WorkflowDefinition<never, unknown>): void {
    if (this.#definitions.has(definition.name)) {
      throw new WorkflowDefinitionError(
        `Two workflows are named "${definition.name}"; names must be unique.`,
      );
    }
    this.#definitions.set(definition.name, definition);
  }

  /** Names of the registered workflows. */
  workflowNames(): string[] {
    return [...this.#definitions.keys()];
  }

  /** The internal task handler to register on the worker (queue = the runtime's queue). */
  handler(): FunctionTaskHandler<void, { runId: string }> {
    const options: TaskOptions = { queue: this.queue, maxRetries: 1_000_000 };
    return new FunctionTaskHandler<void, { runId: string }>({
      name: WORKFLOW_RUN_TASK,
      options,
      entrypoint: (ctx, args) => this.executeRun(args.runId, ctx),
    });
  }

  /** Creates a run and enqueues its first execution; returns the run id. */
  async startWorkflow<P, R>(
    workflow: WorkflowRef<P, R> | string,
    params: P = {} as P,
    options: StartWorkflowOptions = {},
  ): Promise<string> {
    const name = typeof workflow === "string" ? workflow : workflow.name;
    const def = this.#definitions.get(name);
    if (!def && this.#requireRegistered) throw new UnknownWorkflowError(name);
    if (params === null || typeof params !== "object" || Array.isArray(params)) {
      throw new WorkflowDefinitionError(
        `Params of workflow "${name}" must be an object of JSON values.`,
      );
    }
    const stored: Record<string, unknown> = {
      ...(params as Record<string, unknown>),
      [RUNTIME_PARAMS_KEY]: {
        orchestrationQueue: this.queue,
        continuationQueue: this.#continuationQueue,
        executionQueue: this.#executionQueue,
        serializationFormat: "json",
        serializationVersion: "1",
      },
    };
    if (options.parentRunId) stored[PARENT_RUN_PARAMS_KEY] = options.parentRunId;
    const runId = await this.store.createRun({
      runId: options.runId,
      workflow: name,
      params: stored,
      cancellationPolicy: def ? policyOf(def.options, toMillis) : null,
    });
    this.#emit("workflowRunStarted", { runId, workflow: name, status: "running" });
    await this.#enqueue(runId, this.queue, "start");
    return runId;
  }

  /**
   * Executes a run once: a no-op for a missing, finished or still-suspended run. Called by the
   * `stem.workflow.run` task; tests may call it directly.
   */
  async executeRun(runId: string, task?: TaskContext<{ runId: string }>): Promise<void> {
    // Each execution holds the lease under its own token: a duplicate delivery of the same run
    // in this process (a redelivery, a recovery re-enqueue) must not share it and run steps
    // alongside. Claim first and read after, so the checkpoints read are the ones it fences.
    const owner = `${this.#owner}/${uuidv7()}`;
    const claimed = await this.store.claimRun(runId, owner, this.#leaseMs);
    const state = await this.store.get(runId);
    if (!state || isTerminalStatus(state.status) || state.status === "suspended") {
      if (claimed) await this.store.releaseRun(runId, owner);
      return;
    }
    if (!claimed) {
      // Another runtime holds the lease: try again once it would have lapsed, never drop.
      if (task) task.retry({ countdown: this.#leaseMs, maxRetries: 1_000_000 });
      return;
    }
    const def = this.#definitions.get(state.workflow);
    if (!def && !this.#requireRegistered) {
      // A producer-side runtime that received the execution: leave it to a worker defining it.
      await this.store.releaseRun(runId, owner);
      if (task) task.retry({ countdown: this.#leaseMs, maxRetries: 1_000_000 });
      return;
    }
    if (!def) {
      await this.store.markFailed(runId, {
        error: new UnknownWorkflowError(state.workflow).message,
      }, { terminal: true });
      await this.store.releaseRun(runId, owner);
      this.#finish(state, "failed", "unknown workflow");
      return;
    }
    if (await this.#policyCancelled(state)) return;
    // A fresh run (cursor 0) has no checkpoints: no read; a replay reads them all at once.
    const checkpoints = new Map<string, StepCheckpoint>();
    if (state.cursor > 0) {
      for (const c of await this.store.listSteps(runId)) checkpoints.set(c.name, c);
    }
    let completed = false;
    try {
      const result = await def.execute(
        this.#runner(state, def, checkpoints, owner, task),
        workflowParams(state) as never,
        runId,
      );
      await this.store.markCompleted(runId, result ?? null);
      completed = true;
      this.#finish(state, "completed");
    } catch (caught) {
      await this.#handleEnd(state, def, caught, task);
    } finally {
      // markCompleted clears the lease itself.
      if (!completed) await this.store.releaseRun(runId, owner);
    }
  }

  async #handleEnd(
    state: RunState,
    def: WorkflowDefinition<never, unknown>,
    caught: unknown,
    task: TaskContext<{ runId: string }> | undefined,
  ): Promise<void> {
    if (caught instanceof AbortExecution) return;
    if (caught instanceof SuspendSignal) return await this.#suspend(state, caught.suspension);
    const failure = caught instanceof StepFailure ? caught : new StepFailure(caught, {});
    // Retries are counted per step, durably in lastError: a step that failed twice and then
    // passed leaves the next step its own full budget, whatever the execution task's attempt.
    const previous = state.lastError;
    const attempt = previous && previous.step === failure.checkpoint
      ? (previous.attempt ?? 0) + 1
      : 1;
    const error: RunError = {
      ...errorInfo(failure.error),
      ...(failure.checkpoint ? { step: failure.checkpoint } : {}),
      attempt,
    };
    const maxRetries = failure.options.maxRetries ?? def.options.maxRetries ?? 3;
    const exhausted = attempt > maxRetries;
    await this.store.markFailed(state.id, error, { terminal: exhausted });
    if (exhausted) return this.#finish(state, "failed", error.error);
    this.#emit("workflowRunFailed", {
      runId: state.id,
      workflow: state.workflow,
      status: "running",
      step: failure.checkpoint,
      reason: error.error,
    });
    if (!task) throw failure.error;
    task.retry({ countdown: toMillis(def.options.retryDelay ?? "1s"), maxRetries: 1_000_000 });
  }

  async #suspend(state: RunState, s: Suspension): Promise<void> {
    const now = this.#clock.now();
    const cap = state.cancellationPolicy?.maxSuspendDuration;
    const base = {
      step: s.checkpoint,
      iteration: s.iteration,
      iterationStep: s.checkpoint,
      suspendedAt: now,
    };
    if (s.kind === "sleep") {
      let resumeAt = s.resumeAt!;
      const capped = cap !== undefined && resumeAt > now + cap;
      if (capped) resumeAt = now + cap!;
      await this.store.suspendUntil(state.id, s.checkpoint, resumeAt, {
        ...base,
        type: "sleep",
        resumeAt,
        ...(capped ? { policyDeadline: true } : {}),
      });
    } else {
      let deadline = s.deadline ?? null;
      let capped = false;
      if (cap !== undefined && (deadline === null || deadline > now + cap)) {
        deadline = now + cap;
        capped = true;
      }
      await this.store.suspendOnTopic(state.id, s.checkpoint, s.topic!, {
        deadline,
        data: {
          ...base,
          type: "event",
          topic: s.topic!,
          deadline,
          ...(capped ? { policyDeadline: true } : {}),
        },
      });
    }
    this.#emit("workflowRunSuspended", {
      runId: state.id,
      workflow: state.workflow,
      status: "suspended",
      step: s.checkpoint,
      reason: s.kind,
    });
  }

  #runner(
    state: RunState,
    def: WorkflowDefinition<never, unknown>,
    checkpoints: Map<string, StepCheckpoint>,
    owner: string,
    task: TaskContext<{ runId: string }> | undefined,
  ) {
    const counters = new Map<string, number>();
    const seen = new Set<string>();
    let index = 0;
    let previous: unknown = undefined;
    let extended = this.#clock.now();
    const resume = state.suspensionData ?? {};
    const params = workflowParams(state);
    const lease = { owner, leaseMs: this.#leaseMs };
    return async <V>(
      name: string,
      fn: (step: StepContext<never, unknown>) => V | Promise<V>,
      options: StepOptions = {},
    ): Promise<V> => {
      const iteration = options.autoVersion ? (counters.get(name) ?? 0) : 0;
      if (options.autoVersion) counters.set(name, iteration + 1);
      else if (seen.has(name)) {
        throw new StepFailure(
          new WorkflowDefinitionError(
            `Step "${name}" of workflow "${def.name}" ran twice in one execution; pass { autoVersion: true } to repeat a step.`,
          ),
          { maxRetries: 0 },
        );
      }
      seen.add(name);
      const checkpoint = options.autoVersion ? `${name}#${iteration}` : name;
      const stored = checkpoints.get(checkpoint);
      if (stored) {
        index++;
        previous = stored.value;
        return stored.value as V;
      }
      if (await this.#policyCancelled(state)) throw new AbortExecution("cancelled");
      // Keeps the broker from redelivering the execution while a long replay is under way, by
      // the run lease's length (not the broker's default) so a dead worker's runs return soon.
      if (task && this.#clock.now() - extended >= this.#leaseMs / 2) {
        extended = this.#clock.now();
        await task.extendLease(this.#leaseMs);
      }
      const ctx = this.#stepContext(
        state,
        params,
        name,
        checkpoint,
        index,
        iteration,
        previous,
        resume,
      );
      let value: V;
      try {
        value = await fn(ctx.context as StepContext<never, unknown>);
      } catch (error) {
        if (
          error instanceof SuspendSignal || error instanceof AbortExecution ||
          error instanceof StepFailure
        ) throw error;
        throw new StepFailure(error, options, checkpoint);
      }
      // One fenced write per step: it stores the value and extends the run lease only while this
      // runtime holds it on a running run, so a cancelled run or a lost lease stops here, before
      // the next step starts.
      if (!(await this.store.saveStep(state.id, checkpoint, value ?? null, lease))) {
        throw new AbortExecution("run no longer running or lease lost");
      }
      index++;
      previous = value;
      return value;
    };
  }

  #stepContext(
    state: RunState,
    params: Record<string, unknown>,
    stepName: string,
    checkpoint: string,
    stepIndex: number,
    iteration: number,
    previousResult: unknown,
    resume: Record<string, unknown>,
  ): { context: StepContext } {
    const mine = resume.step === checkpoint;
    let taken = false;
    const suspend = (s: Omit<Suspension, "checkpoint" | "iteration">): never => {
      throw new SuspendSignal({ ...s, checkpoint, iteration });
    };
    const childId = (kind: string) => `${state.id}.${checkpoint}.${kind}`;
    const context: StepContext = {
      workflow: state.workflow,
      runId: state.id,
      stepName,
      checkpoint,
      stepIndex,
      iteration,
      params,
      previousResult,
      idempotencyKey: (scope) => `${state.workflow}/${state.id}/${scope ?? checkpoint}`,
      takeResumeData: <T>() => {
        if (!mine || taken || !("payload" in resume)) return null;
        taken = true;
        return resume.payload as T;
      },
      sleep: (duration) => {
        if (mine && resume.type === "sleep" && "payload" in resume) return Promise.resolve();
        return suspend({ kind: "sleep", resumeAt: this.#clock.now() + toMillis(duration) });
      },
      awaitEvent: <T>(event: string | EventRef<T>, options: AwaitEventOptions = {}) => {
        const topic = topicOf(event);
        if (mine && resume.type === "event" && resume.topic === topic) {
          // A deadline resume carries no payload: null, never parsed.
          if (!("payload" in resume)) return Promise.resolve(null);
          try {
            return Promise.resolve(parsePayload(event, resume.payload));
          } catch (error) {
            // The stored payload will not change: retrying the step cannot help.
            return Promise.reject(new StepFailure(error, { maxRetries: 0 }, checkpoint));
          }
        }
        const d = options.deadline;
        return suspend({ kind: "event", topic, deadline: d === undefined ? null : +d });
      },
      enqueueAndWait: async <Args, Result>(
        definition: TaskDefinition<Args, Result>,
        args: Args,
      ) => {
        const call = definition.buildCall(args);
        const id = childId("task");
        try {
          await this.#producer.enqueue(call.name, {
            ...call.request,
            args: call.request.args as Record<string, JsonValue>,
            meta: {
              ...call.request.meta,
              "stem.workflow.runId": state.id,
              "stem.workflow.step": checkpoint,
            },
            enqueueOptions: {
              queue: runtimeMetadata(state).executionQueue,
              ...call.request.enqueueOptions,
              taskId: id,
            },
          });
        } catch (error) {
          if (!(error instanceof DuplicateTaskIdError)) throw error;
        }
        const result = await this.#producer.waitForTask<Result>(id);
        if (result.status?.state !== "succeeded") {
          throw new WorkflowDefinitionError(
            `Child task ${id} ended ${result.status?.state ?? "unknown"}.`,
            {
              cause: result.status?.error,
            },
          );
        }
        return result.value as Result;
      },
      startWorkflowAndWait: async <P, R>(child: WorkflowRef<P, R> | string, childParams: P) => {
        const id = childId("workflow");
        try {
          await this.startWorkflow(child, childParams, { runId: id, parentRunId: state.id });
        } catch (error) {
          if (!(error instanceof DuplicateRunError)) throw error;
          // A replay: the child exists; make sure it is moving (its first task may be lost).
        }
        const done = await this.waitForCompletion<R>(id);
        if (done.status !== "completed") {
          throw new WorkflowDefinitionError(`Child workflow ${id} ended ${done.status}.`, {
            cause: done.error,
          });
        }
        return done.value as R;
      },
    };
    return { context };
  }

  async #policyCancelled(state: RunState): Promise<boolean> {
    const max = state.cancellationPolicy?.maxRunDuration;
    if (max === undefined || this.#clock.now() - state.createdAt <= max) return false;
    await this.store.cancel(state.id, "maxRunDuration");
    this.#finish(state, "cancelled", "maxRunDuration");
    return true;
  }

  /**
   * Resumes every run whose sleep or event deadline has passed and enqueues its continuation;
   * returns how many resumed. The poller started by `start()` calls it.
   */
  async resumeDueRuns(): Promise<number> {
    let resumed = 0;
    for (;;) {
      const ids = await this.store.dueRuns(this.#clock.now(), 256);
      for (const id of ids) {
        const state = await this.store.get(id);
        if (!state || state.status !== "suspended") continue;
        const data = state.suspensionData ?? {};
        if (data.policyDeadline) {
          await this.store.cancel(id, "maxSuspendDuration");
          this.#finish(state, "cancelled", "maxSuspendDuration");
          continue;
        }
        const next = data.type === "sleep"
          ? { ...data, payload: true }
          : { ...data, timedOut: true };
        if (!(await this.store.markResumed(id, next))) continue;
        this.#emit("workflowRunResumed", {
          runId: id,
          workflow: state.workflow,
          status: "running",
          reason: "due",
        });
        await this.#enqueue(
          id,
          runtimeMetadata(state).continuationQueue ?? this.#continuationQueue,
          "due",
        );
        resumed++;
      }
      if (ids.length < 256) return resumed;
    }
  }

  /**
   * Re-enqueues runs that are `running` with no live lease and no change for a lease length:
   * runs whose hand-off to the broker was lost because a process died between a store change
   * and the enqueue (an event resolved, a sleep resumed, a rewind or a start that was never
   * enqueued). Oldest first, up to `limit`. A run that was only waiting in a long queue gets one
   * extra execution, which finds the run claimed or finished and does nothing. Returns how many
   * were re-enqueued; `start()` calls it at once and every `recoveryInterval`.
   */
  async recoverStrandedRuns(limit = 256): Promise<number> {
    const now = this.#clock.now();
    let recovered = 0;
    for (const state of await this.store.listRunnableRuns(now, limit)) {
      if (now - state.updatedAt < this.#leaseMs) continue;
      if (this.#requireRegistered && !this.#definitions.has(state.workflow)) continue;
      this.#emit("workflowRunResumed", {
        runId: state.id,
        workflow: state.workflow,
        status: "running",
        reason: "recovered",
      });
      await this.#enqueue(
        state.id,
        runtimeMetadata(state).continuationQueue ?? this.#continuationQueue,
        "recovered",
      );
      recovered++;
    }
    return recovered;
  }

  /**
   * Delivers `payload` to every run waiting on `topic`, each exactly once (the store resolves
   * watchers atomically), and enqueues their continuations on each run's own continuation queue.
   * Works with no worker running: the continuations wait in the broker. Returns how many resumed.
   */
  async emit<T>(event: string | EventRef<T>, payload: T = null as T): Promise<number> {
    const topic = topicOf(event as string | EventRef<unknown>);
    if (typeof topic !== "string" || topic === "") {
      throw new WorkflowDefinitionError("emit needs a non-empty topic.");
    }
    payload = parsePayload(event, payload);
    JSON.stringify(payload);
    let count = 0;
    for (;;) {
      const resolved = await this.store.resolveWatchers(topic, payload, 256);
      for (const r of resolved) {
        const state = await this.store.get(r.runId);
        const queue = state ? runtimeMetadata(state).continuationQueue : undefined;
        this.#emit("workflowRunResumed", {
          runId: r.runId,
          workflow: state?.workflow ?? "",
          status: "running",
          step: r.stepName,
          reason: "event",
        });
        await this.#enqueue(r.runId, queue ?? this.#continuationQueue, "event");
      }
      count += resolved.length;
      if (resolved.length < 256) break;
    }
    await this.#events?.publish(topic, payload);
    return count;
  }

  /** Cancels a run that has not finished. */
  async cancel(runId: string, reason = "cancelled"): Promise<void> {
    const state = await this.store.get(runId);
    if (!state) throw new UnknownRunError(runId);
    if (isTerminalStatus(state.status)) return;
    await this.store.cancel(runId, reason);
    this.#finish(state, "cancelled", reason);
  }

  /** Drops the checkpoints from `step` on and re-enqueues the run so it re-runs from there. */
  async rewind(runId: string, step: string): Promise<void> {
    const state = await this.store.get(runId);
    if (!state) throw new UnknownRunError(runId);
    const steps = await this.store.listSteps(runId);
    if (!steps.some((s) => s.name === step || s.name.startsWith(`${step}#`))) {
      throw new WorkflowDefinitionError(
        `Run ${runId} has no checkpoint "${step}"; pick one of: ${
          steps.map((s) => s.name).join(", ") || "(none)"
        }.`,
      );
    }
    await this.store.rewindToStep(runId, step);
    await this.store.markResumed(runId);
    this.#emit("workflowRunResumed", {
      runId,
      workflow: state.workflow,
      status: "running",
      step,
      reason: "rewind",
    });
    await this.#enqueue(
      runId,
      runtimeMetadata(state).continuationQueue ?? this.#continuationQueue,
      "manual",
    );
  }

  /**
   * Waits until the run finishes or `timeout` passes. A run this runtime executes wakes the
   * wait at once; otherwise the store is polled with a back-off from 25 ms up to
   * `pollInterval` (so a thousand waiters do not flood the store).
   */
  async waitForCompletion<R = unknown>(
    runId: string,
    options: { timeout?: Duration; pollInterval?: Duration } = {},
  ): Promise<WorkflowResult<R>> {
    const maxPoll = toMillis(options.pollInterval ?? "1s");
    let poll = Math.min(25, maxPoll);
    const deadline = options.timeout === undefined
      ? Infinity
      : this.#clock.now() + toMillis(options.timeout);
    for (;;) {
      const state = await this.store.get(runId);
      if (!state) throw new UnknownRunError(runId);
      const done = isTerminalStatus(state.status);
      if (done || this.#clock.now() >= deadline) {
        return {
          runId,
          status: state.status,
          value: state.status === "completed" ? state.result as R : undefined,
          error: state.lastError,
          state,
          timedOut: !done,
        };
      }
      await new Promise<void>((resolve) => {
        const set = this.#finished.get(runId) ?? new Set();
        this.#finished.set(runId, set);
        const wake = () => {
          set.delete(wake);
          if (set.size === 0) this.#finished.delete(runId);
          this.#clock.clearTimeout(timer);
          resolve();
        };
        const timer = this.#clock.setTimeout(
          wake,
          Math.min(poll, Math.max(0, deadline - this.#clock.now())),
        );
        set.add(wake);
      });
      poll = Math.min(maxPoll, poll * 2);
    }
  }

  /** The run, or null. */
  getRun(runId: string): Promise<RunState | null> {
    return this.store.get(runId);
  }

  /** Runs, newest first. */
  listRuns(query?: ListRunsQuery): Promise<RunState[]> {
    return this.store.listRuns(query);
  }

  /** A run's checkpoints in order. */
  listSteps(runId: string): Promise<StepCheckpoint[]> {
    return this.store.listSteps(runId);
  }

  /** Runs waiting on `topic` (every topic when omitted), at most `limit` (default 100). */
  listWatchers(topic?: string, limit?: number): Promise<WorkflowWatcher[]> {
    return this.store.listWatchers(topic, limit);
  }

  /** Starts the due-run poller (idempotent). */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    let lastRecovery = -Infinity;
    const tick = async () => {
      if (!this.#running) return;
      try {
        if (this.#clock.now() - lastRecovery >= this.#recoveryMs) {
          lastRecovery = this.#clock.now();
          await this.recoverStrandedRuns();
        }
        await this.resumeDueRuns();
      } catch {
        // A failed poll (store unreachable) is retried on the next tick.
      }
      if (this.#running) this.#timer = this.#clock.setTimeout(() => void tick(), this.#pollMs);
    };
    this.#timer = this.#clock.setTimeout(() => void tick(), 0);
  }

  /** Stops the poller. */
  stop(): void {
    this.#running = false;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  async #enqueue(runId: string, queue: string, reason: string): Promise<void> {
    await this.#producer.enqueue(WORKFLOW_RUN_TASK, {
      args: { runId },
      meta: { "stem.workflow.runId": runId, "stem.workflow.continuationReason": reason },
      enqueueOptions: { queue },
    });
  }

  #finish(state: RunState, status: "completed" | "failed" | "cancelled", reason?: string): void {
    const key = status === "completed"
      ? "workflowRunCompleted"
      : status === "failed"
      ? "workflowRunFailed"
      : "workflowRunCancelled";
    this.#emit(key, { runId: state.id, workflow: state.workflow, status, reason });
    for (const wake of [...(this.#finished.get(state.id) ?? [])]) wake();
  }

  #emit(key: keyof WorkflowSignals, payload: WorkflowRunSignal): void {
    this.signals[key].emit(payload);
  }
}

function errorInfo(error: unknown): RunError {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return {
      error: `${error.name}: ${error.message}`,
      ...(error.stack ? { stack: error.stack } : {}),
      ...(typeof code === "string" ? { code } : {}),
    };
  }
  return { error: String(error) };
}
