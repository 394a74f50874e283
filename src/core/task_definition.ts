import { TaskResult } from "../backend/task_result.ts";
import { type Duration, toMillis } from "./duration.ts";
import type { JsonValue } from "./envelope.ts";
import type { StandardSchemaV1 } from "./standard_schema.ts";
import type { TaskContext } from "./task_context.ts";
import { FunctionTaskHandler, type TaskHandler, type TaskMetadata } from "./task_handler.ts";
import type { EnqueueRequest, TaskEnqueueOptions, TaskOptions } from "./task_options.ts";

/** The producer surface a definition needs (a `Stem`, a `FakeStem`, or a task context's parent). */
export interface TaskEnqueuer {
  /** Enqueues a prepared call. */
  enqueueCall(call: TaskCall<unknown, unknown>): Promise<string>;
}

/** A producer that can also wait for results. */
export interface TaskWaiter extends TaskEnqueuer {
  /** Waits for a task. */
  waitForTask<T>(id: string, options?: { timeout?: Duration }): Promise<TaskResult<T>>;
}

/** Everything `buildCall` accepts besides the args. */
export type CallOverrides = Omit<EnqueueRequest, "args">;

/** An immutable, typed enqueue request made by {@link TaskDefinition.buildCall}. */
export interface TaskCall<Args, Result> {
  /** The definition that made it. */
  readonly definition: TaskDefinition<Args, Result>;
  /** Task name. */
  readonly name: string;
  /** The request, args already in their JSON form. */
  readonly request: EnqueueRequest;
}

/** Constructor options of {@link TaskDefinition}. */
export interface TaskDefinitionOptions<Args, Result> {
  /** Task name. */
  name: string;
  /** Turns typed args into the JSON args object. @default identity */
  encodeArgs?: (args: Args) => Record<string, JsonValue>;
  /** Turns the stored JSON result into the typed result. @default identity */
  decodeResult?: (json: unknown) => Result;
  /** Default options for calls. */
  defaultOptions?: TaskOptions;
  /** Description and encoders. */
  metadata?: Omit<TaskMetadata, "argsSchema">;
  /** Validates args at enqueue and in the worker (any Standard Schema library). */
  argsSchema?: StandardSchemaV1<unknown, Args>;
}

/**
 * A typed contract for a task: how its args are encoded and its result decoded, plus defaults.
 * Producers enqueue through it with full type inference; workers get a handler from it.
 *
 * @example
 * ```ts ignore
 * const add = TaskDefinition.json<{ a: number; b: number }, number>({ name: "math.add" });
 * const handler = add.handler((_ctx, { a, b }) => a + b);
 * const result = await add.enqueueAndWait(app.stem, { a: 1, b: 2 }, { timeout: "5s" });
 * ```
 */
export class TaskDefinition<Args, Result> {
  /** Task name. */
  readonly name: string;
  /** Default options. */
  readonly defaultOptions: TaskOptions | undefined;
  /** Metadata, including the args schema. */
  readonly metadata: TaskMetadata;
  readonly #encodeArgs: (args: Args) => Record<string, JsonValue>;
  readonly #decodeResult: (json: unknown) => Result;

  /** Creates a definition. */
  constructor(options: TaskDefinitionOptions<Args, Result>) {
    this.name = options.name;
    this.defaultOptions = options.defaultOptions;
    this.metadata = { ...options.metadata, argsSchema: options.argsSchema };
    this.#encodeArgs = options.encodeArgs ?? ((args) => args as Record<string, JsonValue>);
    this.#decodeResult = options.decodeResult ?? ((json) => json as Result);
  }

  /** A definition whose args and result are plain JSON objects. */
  static json<Args extends Record<string, unknown>, Result = unknown>(
    options: Omit<TaskDefinitionOptions<Args, Result>, "encodeArgs">,
  ): TaskDefinition<Args, Result> {
    return new TaskDefinition<Args, Result>(options);
  }

  /** A definition that takes no args. */
  static noArgs<Result = unknown>(
    options: Omit<TaskDefinitionOptions<void, Result>, "encodeArgs" | "argsSchema">,
  ): TaskDefinition<void, Result> {
    return new TaskDefinition<void, Result>({ ...options, encodeArgs: () => ({}) });
  }

  /** Builds an immutable call. */
  buildCall(args: Args, overrides: CallOverrides = {}): TaskCall<Args, Result> {
    const request: EnqueueRequest = {
      ...overrides,
      args: this.#encodeArgs(args),
      options: { ...this.defaultOptions, ...overrides.options },
    };
    return Object.freeze({ definition: this, name: this.name, request });
  }

  /** Starts a fluent builder for one call. */
  builder(args: Args): TaskEnqueueBuilder<Args, Result> {
    return new TaskEnqueueBuilder(this, args);
  }

  /** Enqueues with typed args. */
  enqueue(enqueuer: TaskEnqueuer, args: Args, overrides?: CallOverrides): Promise<string> {
    return enqueuer.enqueueCall(this.buildCall(args, overrides) as TaskCall<unknown, unknown>);
  }

  /** Enqueues and waits for the typed result. */
  async enqueueAndWait(
    stem: TaskWaiter,
    args: Args,
    options: CallOverrides & { timeout?: Duration } = {},
  ): Promise<TaskResult<Result>> {
    const { timeout, ...overrides } = options;
    const id = await this.enqueue(stem, args, overrides);
    return await this.waitFor(stem, id, { timeout });
  }

  /** Waits for a task of this definition and decodes its result. */
  async waitFor(
    stem: TaskWaiter,
    id: string,
    options: { timeout?: Duration } = {},
  ): Promise<TaskResult<Result>> {
    const result = await stem.waitForTask<unknown>(id, options);
    const value = result.isSucceeded ? this.#decodeResult(result.value) : undefined;
    const timeoutMs = options.timeout === undefined ? 0 : toMillis(options.timeout);
    return new TaskResult<Result>(id, result.status, value, {
      timedOut: result.timedOut,
      timeoutMs,
    });
  }

  /** Makes the worker-side handler for this definition. */
  handler(
    entrypoint: (ctx: TaskContext<Args>, args: Args) => Result | Promise<Result>,
    options: TaskOptions = {},
  ): TaskHandler<Result, Args> {
    return new FunctionTaskHandler<Result, Args>({
      name: this.name,
      entrypoint,
      options: { ...this.defaultOptions, ...options },
      metadata: this.metadata,
    });
  }
}

/**
 * Fluent per-call overrides.
 *
 * @example
 * ```ts ignore
 * await add.builder({ a: 1, b: 2 }).header("x-request-id", "r1").priority(7).delay("5s").enqueueWith(stem);
 * ```
 */
export class TaskEnqueueBuilder<Args, Result> {
  readonly #definition: TaskDefinition<Args, Result>;
  readonly #args: Args;
  #headers: Record<string, string> = {};
  #meta: Record<string, JsonValue> = {};
  #options: TaskOptions = {};
  #enqueueOptions: TaskEnqueueOptions = {};

  /** Starts a builder; prefer `definition.builder(args)`. */
  constructor(definition: TaskDefinition<Args, Result>, args: Args) {
    this.#definition = definition;
    this.#args = args;
  }

  /** Adds a header. */
  header(key: string, value: string): this {
    this.#headers[key] = value;
    return this;
  }

  /** Adds a metadata entry. */
  meta(key: string, value: JsonValue): this {
    this.#meta[key] = value;
    return this;
  }

  /** Sets the priority (0–9). */
  priority(priority: number): this {
    this.#enqueueOptions.priority = priority;
    return this;
  }

  /** Sets the queue. */
  queue(queue: string): this {
    this.#enqueueOptions.queue = queue;
    return this;
  }

  /** Delays the start. */
  delay(countdown: Duration): this {
    this.#enqueueOptions.countdown = countdown;
    return this;
  }

  /** Merges task options. */
  options(options: TaskOptions): this {
    this.#options = { ...this.#options, ...options };
    return this;
  }

  /** Merges enqueue options. */
  enqueueOptions(options: TaskEnqueueOptions): this {
    this.#enqueueOptions = { ...this.#enqueueOptions, ...options };
    return this;
  }

  /** Builds the call. */
  build(): TaskCall<Args, Result> {
    return this.#definition.buildCall(this.#args, {
      headers: this.#headers,
      meta: this.#meta,
      options: this.#options,
      enqueueOptions: this.#enqueueOptions,
    });
  }

  /** Enqueues through `enqueuer`. */
  enqueueWith(enqueuer: TaskEnqueuer): Promise<string> {
    return enqueuer.enqueueCall(this.build() as TaskCall<unknown, unknown>);
  }
}
