import type { Duration } from "../core/duration.ts";
import type { TaskDefinition } from "../core/task_definition.ts";
import type { EventRef } from "./event_ref.ts";
import type { WorkflowRef } from "./workflow_definition.ts";

/** Options of `step.awaitEvent`. */
export interface AwaitEventOptions {
  /** Epoch ms (or Date) after which the wait gives up and `awaitEvent` returns null. */
  deadline?: number | Date;
}

/**
 * What a step sees. A step runs again when the run is replayed before its value was stored
 * (after a crash, a retry or a suspension), so it must be safe to repeat; only its return value
 * is persisted.
 */
export interface StepContext<Params = Record<string, unknown>, Previous = unknown> {
  /** Workflow name. */
  readonly workflow: string;
  /** Run id. */
  readonly runId: string;
  /** Step name (without the iteration suffix). */
  readonly stepName: string;
  /** Checkpoint name: `name`, or `name#iteration` for an auto-versioned step. */
  readonly checkpoint: string;
  /** Index of the step in the run's execution order. */
  readonly stepIndex: number;
  /** 0-based iteration of an auto-versioned step (0 otherwise). */
  readonly iteration: number;
  /** The run's params (reserved runtime keys removed). */
  readonly params: Params;
  /** The value of the step before this one (undefined for the first). */
  readonly previousResult: Previous;
  /** `"<workflow>/<runId>/<scope or checkpoint>"`: stable across replays, for external APIs. */
  idempotencyKey(scope?: string): string;
  /** The resume payload this step was woken with (once; null afterwards or when none). */
  takeResumeData<T = unknown>(): T | null;
  /**
   * Suspends the run for `duration` and re-runs this step afterwards, when this call returns.
   * Code after it runs only on the resumed execution.
   */
  sleep(duration: Duration): Promise<void>;
  /**
   * Suspends the run until `emit(topic, payload)`; on the resumed execution returns the payload
   * (null when the deadline passed first). With an {@link EventRef} the payload is typed and,
   * when the ref has `parse`, checked (a bad one fails the run with `invalid-event-payload`).
   */
  awaitEvent<T>(event: EventRef<T>, options?: AwaitEventOptions): Promise<T | null>;
  /** Untyped form: waits on a topic string. */
  awaitEvent<T = unknown>(topic: string, options?: AwaitEventOptions): Promise<T | null>;
  /** Enqueues a task once per (run, step, iteration) and waits for its result. */
  enqueueAndWait<Args, Result>(
    definition: TaskDefinition<Args, Result>,
    args: Args,
  ): Promise<Result>;
  /** Starts a child workflow once per (run, step, iteration) and waits for its result. */
  startWorkflowAndWait<P, R>(child: WorkflowRef<P, R> | string, params: P): Promise<R>;
}
