import type { JsonValue } from "./envelope.ts";
import type { StandardSchemaV1 } from "./standard_schema.ts";
import type { TaskContext } from "./task_context.ts";
import type { TaskOptions } from "./task_options.ts";

/** Descriptive and encoding settings of a task. */
export interface TaskMetadata {
  /** What the task does (shown by tooling). */
  description?: string;
  /** Free-form tags. */
  tags?: string[];
  /** Encoder id for args published for this task. @default "json" */
  argsEncoder?: string;
  /** Encoder id for this task's stored results. @default "json" */
  resultEncoder?: string;
  /** Args validator (Standard Schema); invalid args fail the task without retrying. */
  argsSchema?: StandardSchemaV1;
}

/**
 * A task implementation. Implement it with a class, or use {@link FunctionTaskHandler}.
 *
 * @example
 * ```ts
 * import type { TaskHandler } from "./task_handler.ts";
 * import type { TaskContext } from "./task_context.ts";
 * class Hello implements TaskHandler<string> {
 *   readonly name = "hello.print";
 *   call(_ctx: TaskContext, args: Record<string, unknown>): string {
 *     return `Hello ${args.name}`;
 *   }
 * }
 * ```
 */
export interface TaskHandler<Result = unknown, Args = Record<string, JsonValue>> {
  /** Unique task name, e.g. `"reports.generate"`. */
  readonly name: string;
  /** Defaults for publishing and running. */
  readonly options?: TaskOptions;
  /** Description, encoders, args schema. */
  readonly metadata?: TaskMetadata;
  /** Runs the task; the return value is stored as the result. */
  call(ctx: TaskContext<Args>, args: Args): Result | Promise<Result>;
}

/** Constructor options of {@link FunctionTaskHandler}. */
export interface FunctionTaskHandlerOptions<Result, Args> {
  /** Unique task name. */
  name: string;
  /** The task body. */
  entrypoint: (ctx: TaskContext<Args>, args: Args) => Result | Promise<Result>;
  /** Defaults for publishing and running. */
  options?: TaskOptions;
  /** Description, encoders, args schema. */
  metadata?: TaskMetadata;
}

/**
 * A handler made from a function.
 *
 * @example
 * ```ts
 * import { FunctionTaskHandler } from "./task_handler.ts";
 * const hello = new FunctionTaskHandler({
 *   name: "hello.print",
 *   entrypoint: (_ctx, args: { name: string }) => `Hello ${args.name}`,
 * });
 * ```
 */
export class FunctionTaskHandler<Result = unknown, Args = Record<string, JsonValue>>
  implements TaskHandler<Result, Args> {
  /** Task name. */
  readonly name: string;
  /** Task options. */
  readonly options?: TaskOptions;
  /** Task metadata. */
  readonly metadata?: TaskMetadata;
  readonly #entrypoint: (ctx: TaskContext<Args>, args: Args) => Result | Promise<Result>;

  /** Wraps `entrypoint` as a handler. */
  constructor(options: FunctionTaskHandlerOptions<Result, Args>) {
    this.name = options.name;
    this.options = options.options;
    this.metadata = options.metadata;
    this.#entrypoint = options.entrypoint;
  }

  /** Runs the entrypoint. */
  call(ctx: TaskContext<Args>, args: Args): Result | Promise<Result> {
    return this.#entrypoint(ctx, args);
  }
}

/** Any handler, whatever its result and args types. */
// deno-lint-ignore no-explicit-any
export type AnyTaskHandler = TaskHandler<any, any>;
