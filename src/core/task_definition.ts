import { TaskResult } from "../backend/task_result.ts";
import { type Duration, toMillis } from "./duration.ts";
import type { JsonValue } from "./envelope.ts";
import type { StandardSchemaV1 } from "./standard_schema.ts";
import type { TaskContext } from "./task_context.ts";
import { FunctionTaskHandler, type TaskHandler, type TaskMetadata } from "./task_handler.ts";
import type { EnqueueRequest, TaskEnqueueOptions, TaskOptions } from "./task_options.ts";
import { signature, type SignatureOptions, type TaskSignature } from "./task_signature.ts";

/** The producer surface a definition needs (a `Stem`, a `FakeStem`, or a task context's parent). */
export interface TaskEnqueuer {
  /** Enqueues a prepared call. */
  enqueueCall<Args, Result>(call: TaskCall<Args, Result>): Promise<string>;
}

/** A producer that can also wait for results. */
export interface TaskWaiter extends TaskEnqueuer {
  /** Waits for a task. */
  waitForTask<T>(id: string, options?: { timeout?: Duration }): Promise<TaskResult<T>>;
}

/** A producer, or anything holding one as `stem` (a `StemApp`). */
export type TaskWaiterSource = TaskWaiter | { readonly stem: TaskWaiter };

function waiterOf(source: TaskWaiterSource): TaskWaiter {
  return "enqueueCall" in source ? source : source.stem;
}

const SIGNATURE_DEFAULTS = [
  "queue",
  "priority",
  "maxRetries",
  "visibilityTimeout",
  "softTimeLimit",
  "hardTimeLimit",
] as const;

/** Key under which {@link TaskDefinition.versionedJson} stores the args' schema version. */
export const PAYLOAD_VERSION_KEY = "__stemPayloadVersion";

/** Turns a typed value into JSON and back (a DTO's `toJson` / `fromJson`). */
export interface PayloadCodec<T, Json = JsonValue> {
  /** Typed value → JSON. */
  encode(value: T): Json;
  /** Stored JSON → typed value. */
  decode(json: Json): T;
}

/** Options of {@link TaskDefinition.versionedJson}. */
export interface VersionedJsonOptions<Args, Result>
  extends Omit<TaskDefinitionOptions<Args, Result>, "encodeArgs" | "decodeArgs"> {
  /** Schema version written on the published args as `__stemPayloadVersion`. */
  version: number;
  /** Typed args → JSON object. @default identity */
  encode?: (args: Args) => Record<string, JsonValue>;
  /**
   * JSON object → typed args on the worker, given the version the producer wrote (`version`
   * when the args carry none, e.g. from an older producer). @default identity, version removed
   */
  decode?: (json: Record<string, JsonValue>, version: number) => Args;
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
  /** Turns the JSON args back into typed args in `handler()` (worker side). @default identity */
  decodeArgs?: (json: Record<string, JsonValue>) => Args;
  /** Turns the handler's typed result into JSON before it is stored. @default identity */
  encodeResult?: (result: Result) => JsonValue;
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
  readonly #decodeArgs: ((json: Record<string, JsonValue>) => Args) | undefined;
  readonly #encodeResult: ((result: Result) => JsonValue) | undefined;

  /** Creates a definition. */
  constructor(options: TaskDefinitionOptions<Args, Result>) {
    this.name = options.name;
    this.defaultOptions = options.defaultOptions;
    this.metadata = { ...options.metadata, argsSchema: options.argsSchema };
    this.#encodeArgs = options.encodeArgs ?? ((args) => args as Record<string, JsonValue>);
    this.#decodeResult = options.decodeResult ?? ((json) => json as Result);
    this.#decodeArgs = options.decodeArgs;
    this.#encodeResult = options.encodeResult;
  }

  /**
   * A definition whose args carry an explicit schema version (`__stemPayloadVersion`), so a
   * worker can read args written by older producers while the payload evolves.
   *
   * @example
   * ```ts
   * import { TaskDefinition } from "./task_definition.ts";
   * const invoice = TaskDefinition.versionedJson<{ id: string }, void>({
   *   name: "invoice.publish",
   *   version: 2,
   *   decode: (json, version) => ({ id: String(version === 1 ? json.invoice : json.id) }),
   * });
   * invoice.buildCall({ id: "inv_42" }).request.args; // { id: "inv_42", __stemPayloadVersion: 2 }
   * ```
   */
  static versionedJson<Args, Result = unknown>(
    options: VersionedJsonOptions<Args, Result>,
  ): TaskDefinition<Args, Result> {
    const { version, encode, decode, ...rest } = options;
    return new TaskDefinition<Args, Result>({
      ...rest,
      encodeArgs: (args) => ({
        ...(encode ? encode(args) : args as Record<string, JsonValue>),
        [PAYLOAD_VERSION_KEY]: version,
      }),
      decodeArgs: (json) => {
        const { [PAYLOAD_VERSION_KEY]: written, ...fields } = json;
        const at = typeof written === "number" ? written : version;
        return decode ? decode(fields, at) : fields as Args;
      },
    });
  }

  /**
   * A definition whose args and result go through codecs (custom DTO classes); args must encode
   * to a JSON object because they are published as one.
   *
   * @example
   * ```ts
   * import { TaskDefinition } from "./task_definition.ts";
   * class Money {
   *   constructor(readonly cents: number) {}
   * }
   * const charge = TaskDefinition.codec<Money, Money>({
   *   name: "billing.charge",
   *   args: { encode: (m) => ({ cents: m.cents }), decode: (j) => new Money(Number(j.cents)) },
   *   result: { encode: (m) => ({ cents: m.cents }), decode: (j) => new Money(Number((j as { cents: number }).cents)) },
   * });
   * charge.buildCall(new Money(250)).request.args; // { cents: 250 }
   * ```
   */
  static codec<Args, Result = unknown>(
    options:
      & Omit<
        TaskDefinitionOptions<Args, Result>,
        "encodeArgs" | "decodeArgs" | "decodeResult" | "encodeResult"
      >
      & {
        /** Codec of the args (a JSON object on the wire). */
        args: PayloadCodec<Args, Record<string, JsonValue>>;
        /** Codec of the result. @default identity */
        result?: PayloadCodec<Result, JsonValue>;
      },
  ): TaskDefinition<Args, Result> {
    const { args, result, ...rest } = options;
    return new TaskDefinition<Args, Result>({
      ...rest,
      encodeArgs: (value) => args.encode(value),
      decodeArgs: (json) => args.decode(json),
      ...(result
        ? {
          decodeResult: (json: unknown) => result.decode(json as JsonValue),
          encodeResult: (value: Result) => result.encode(value),
        }
        : {}),
    });
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

  /**
   * A typed canvas signature of this task (plain data; see `Canvas`): args encoded now, the
   * definition's queue, priority, retries, lease and time limits as defaults.
   */
  signature(args: Args, options: SignatureOptions = {}): TaskSignature<Result> {
    const d = this.defaultOptions ?? {};
    const defaults: SignatureOptions = {};
    for (const key of SIGNATURE_DEFAULTS) {
      if (d[key] !== undefined) (defaults as Record<string, unknown>)[key] = d[key];
    }
    return signature<Result>(this.name, this.#encodeArgs(args), { ...defaults, ...options });
  }

  /** Starts a fluent builder for one call. */
  builder(args: Args): TaskEnqueueBuilder<Args, Result> {
    return new TaskEnqueueBuilder(this, args);
  }

  /** Enqueues with typed args through a producer or anything holding one as `stem`. */
  enqueue(
    enqueuer: TaskEnqueuer | { readonly stem: TaskEnqueuer },
    args: Args,
    overrides?: CallOverrides,
  ): Promise<string> {
    const target = "enqueueCall" in enqueuer ? enqueuer : enqueuer.stem;
    return target.enqueueCall(this.buildCall(args, overrides));
  }

  /** Enqueues and waits for the typed result; takes a `Stem`, a `StemApp`, or a `FakeStem`. */
  async enqueueAndWait(
    stem: TaskWaiterSource,
    args: Args,
    options: CallOverrides & { timeout?: Duration } = {},
  ): Promise<TaskResult<Result>> {
    const { timeout, ...overrides } = options;
    const id = await this.enqueue(waiterOf(stem), args, overrides);
    return await this.waitFor(stem, id, { timeout });
  }

  /** Waits for a task of this definition and decodes its result. */
  async waitFor(
    stem: TaskWaiterSource,
    id: string,
    options: { timeout?: Duration } = {},
  ): Promise<TaskResult<Result>> {
    const result = await waiterOf(stem).waitForTask<unknown>(id, options);
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
    const decodeArgs = this.#decodeArgs;
    const encodeResult = this.#encodeResult;
    const run = decodeArgs || encodeResult
      ? async (ctx: TaskContext<Args>, json: Args) => {
        const args = decodeArgs ? decodeArgs(json as Record<string, JsonValue>) : json;
        const result = await entrypoint(ctx, args);
        return (encodeResult ? encodeResult(result) : result) as Result;
      }
      : entrypoint;
    return new FunctionTaskHandler<Result, Args>({
      name: this.name,
      entrypoint: run,
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
    return enqueuer.enqueueCall(this.build());
  }
}
