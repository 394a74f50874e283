import type { Duration } from "../core/duration.ts";
import type { CancellationPolicy } from "./run_state.ts";
import type { StepContext } from "./step_context.ts";
import { WorkflowDefinitionError } from "./workflow_errors.ts";

/** A step handler. */
export type StepFn<Params, Previous, Value> = (
  step: StepContext<Params, Previous>,
) => Value | Promise<Value>;

/** Options of one step. */
export interface StepOptions {
  /** Checkpoint each call separately (`name#0`, `name#1`, …) so a step can repeat in a loop. */
  autoVersion?: boolean;
  /** Retries of this step after its first failure (else the workflow's `maxRetries`). */
  maxRetries?: number;
}

/** Options every workflow definition takes. */
export interface WorkflowOptions {
  /** Unique workflow name. */
  name: string;
  /** Retries of a failing step before the run fails. @default 3 */
  maxRetries?: number;
  /** Delay before a step retry. @default "1s" */
  retryDelay?: Duration;
  /** Limits after which a run is cancelled. */
  cancellationPolicy?: { maxRunDuration?: Duration; maxSuspendDuration?: Duration };
  /** Free-form description (shown by `stem wf`). */
  description?: string;
}

/**
 * A typed handle on a workflow: `startWorkflow(ref, params)` and `waitForCompletion` infer
 * `Params` and `Result` from it. `Flow` and `WorkflowScript` are refs; `workflowRef(name)`
 * makes one for a workflow defined elsewhere.
 */
export interface WorkflowRef<Params = Record<string, unknown>, Result = unknown> {
  /** Workflow name. */
  readonly name: string;
  /** Type carrier only; never set. */
  readonly __types?: { params: Params; result: Result };
}

/** A ref to a workflow by name, for producers that do not import the definition. */
export function workflowRef<Params = Record<string, unknown>, Result = unknown>(
  name: string,
): WorkflowRef<Params, Result> {
  return { name };
}

/** The runner-facing view of a step call. */
export type StepRunner = <V>(
  name: string,
  fn: (step: StepContext<never, unknown>) => V | Promise<V>,
  options?: StepOptions,
) => Promise<V>;

/** What the runtime needs from a definition. */
export interface WorkflowDefinition<Params = Record<string, unknown>, Result = unknown>
  extends WorkflowRef<Params, Result> {
  /** Definition options. */
  readonly options: WorkflowOptions;
  /** Runs the body from the top; `step` returns stored values for checkpointed steps. */
  execute(step: StepRunner, params: Params, runId: string): Promise<Result>;
  /** Step names in declaration order (flows) or empty (scripts name steps as they run). */
  readonly stepNames: readonly string[];
}

interface FlowStep {
  name: string;
  fn: StepFn<never, unknown, unknown>;
  options: StepOptions;
}

/** Adds steps to a flow. */
export interface FlowBuilder<Params> {
  /** Appends a step; its value becomes the next step's `previousResult`. */
  step<Value, Previous = unknown>(
    name: string,
    fn: StepFn<Params, Previous, Value>,
    options?: StepOptions,
  ): void;
}

/**
 * A declarative workflow: ordered steps, each checkpointed; the result is the last step's value.
 *
 * @example
 * ```ts
 * import { Flow } from "./workflow_definition.ts";
 * const greet = new Flow<{ name: string }, string>({
 *   name: "demo.greet",
 *   build: (flow) => {
 *     flow.step("hello", (step) => `Hello ${step.params.name}`);
 *     flow.step("shout", (step) => String(step.previousResult).toUpperCase());
 *   },
 * });
 * ```
 */
export class Flow<Params = Record<string, unknown>, Result = unknown>
  implements WorkflowDefinition<Params, Result> {
  /** Workflow name. */
  readonly name: string;
  /** Definition options. */
  readonly options: WorkflowOptions;
  readonly #steps: FlowStep[] = [];

  /** Builds the flow's steps with `build`. */
  constructor(options: WorkflowOptions & { build: (flow: FlowBuilder<Params>) => void }) {
    const { build, ...rest } = options;
    this.name = checkName(rest.name);
    this.options = rest;
    const seen = new Set<string>();
    build({
      step: (name, fn, stepOptions = {}) => {
        if (!name || seen.has(name)) {
          throw new WorkflowDefinitionError(
            `Flow "${this.name}" has ${
              name ? `two steps named "${name}"` : "a step without a name"
            }; give each step a unique name.`,
          );
        }
        seen.add(name);
        this.#steps.push({ name, fn: fn as StepFn<never, unknown, unknown>, options: stepOptions });
      },
    });
    if (this.#steps.length === 0) {
      throw new WorkflowDefinitionError(`Flow "${this.name}" has no steps; add one in build.`);
    }
  }

  /** Step names in order. */
  get stepNames(): readonly string[] {
    return this.#steps.map((s) => s.name);
  }

  /** Runs every step in order; the last value is the result. */
  async execute(step: StepRunner, _params: Params, _runId: string): Promise<Result> {
    let last: unknown = undefined;
    for (const s of this.#steps) last = await step(s.name, s.fn, s.options);
    return last as Result;
  }
}

/** What a script body calls. */
export interface ScriptContext<Params> {
  /** The run's params. */
  readonly params: Params;
  /** Run id. */
  readonly runId: string;
  /**
   * A durable checkpoint: on replay a stored value is returned without calling `fn`. Steps are
   * identified by name (and iteration with `autoVersion`), not by position.
   */
  step<Value>(
    name: string,
    fn: StepFn<Params, unknown, Value>,
    options?: StepOptions,
  ): Promise<Value>;
}

/** A body that receives the script context; internal wiring of the runtime. */
export type ScriptBody<Params, Result> = (script: ScriptContext<Params>) => Promise<Result>;

/**
 * An imperative workflow: the body runs from the top on every execution; each `script.step` is
 * a checkpoint. The result is the body's return value.
 *
 * @example
 * ```ts
 * import { WorkflowScript } from "./workflow_definition.ts";
 * const checkout = new WorkflowScript<{ cart: string }, string>({
 *   name: "demo.checkout",
 *   run: async (script) => {
 *     const order = await script.step("order", (step) => `order-${step.params.cart}`);
 *     return await script.step("receipt", () => `receipt for ${order}`);
 *   },
 * });
 * ```
 */
export class WorkflowScript<Params = Record<string, unknown>, Result = unknown>
  implements WorkflowDefinition<Params, Result> {
  /** Workflow name. */
  readonly name: string;
  /** Definition options. */
  readonly options: WorkflowOptions;
  /** Scripts name their steps as they run. */
  readonly stepNames: readonly string[] = [];
  /** The body; the runtime binds `script` for each execution. */
  readonly body: ScriptBody<Params, Result>;

  /** Wraps `run` as a workflow. */
  constructor(options: WorkflowOptions & { run: ScriptBody<Params, Result> }) {
    const { run, ...rest } = options;
    this.name = checkName(rest.name);
    this.options = rest;
    this.body = run;
  }

  /** Runs the body; `step` is the runner's checkpointing step. */
  execute(step: StepRunner, params: Params, runId: string): Promise<Result> {
    return this.body({
      params,
      runId,
      step: (name, fn, options) => step(name, fn as never, options),
    });
  }
}

/** Converts a definition's policy to milliseconds. */
export function policyOf(
  options: WorkflowOptions,
  toMs: (d: Duration) => number,
): CancellationPolicy | null {
  const p = options.cancellationPolicy;
  if (!p) return null;
  const out: CancellationPolicy = {};
  if (p.maxRunDuration !== undefined) out.maxRunDuration = toMs(p.maxRunDuration);
  if (p.maxSuspendDuration !== undefined) out.maxSuspendDuration = toMs(p.maxSuspendDuration);
  return out;
}

function checkName(name: string): string {
  if (typeof name !== "string" || name.trim() === "") {
    throw new WorkflowDefinitionError("A workflow needs a non-empty name.");
  }
  return name;
}
