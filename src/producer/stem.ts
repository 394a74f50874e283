import type { ResultBackend } from "../backend/result_backend.ts";
import { TaskResult } from "../backend/task_result.ts";
import { isTerminal, type TaskStatus } from "../backend/task_status.ts";
import type { Broker } from "../broker/broker.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { type Duration, toMillis } from "../core/duration.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";
import {
  assertPayloadsEncodable,
  envelopeFieldIssues,
  validateEnqueueRequest,
} from "../core/envelope_validation.ts";
import { DuplicateTaskIdError, UnknownTaskError, ValidationError } from "../core/errors.ts";
import type { AnyTaskHandler } from "../core/task_handler.ts";
import type { TaskCall } from "../core/task_definition.ts";
import { composeEnqueue, type TaskMiddleware } from "../core/middleware.ts";
import { validateQueueName } from "../core/queue_name.ts";
import type { EnqueueRequest } from "../core/task_options.ts";
import type { TaskRegistry } from "../core/task_registry.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import type { EnvelopeSigner } from "../security/envelope_signer.ts";
import { emitSignal, type StemSignalSet } from "../signals/stem_signals.ts";
import { policyDelay } from "../core/retry_policy.ts";
import { MetaKey } from "../core/meta_keys.ts";
import { UniqueTasks } from "../unique/unique_tasks.ts";
import { buildEnvelope, type Lineage } from "./envelope_builder.ts";
import type { RoutingConfig } from "../routing/routing_config.ts";
import type { BroadcastDirectory } from "../routing/broadcast_directory.ts";
import { BroadcastError } from "../routing/broadcast_error.ts";
import { uuidv7 } from "../core/ids.ts";
import { OperationDeadlines } from "./operation_timeout.ts";
import { publishFailedStatus, queuedStatus } from "./producer_statuses.ts";
import { type TaskPayloadEncoder, TaskPayloadEncoderRegistry } from "./payload_encoder.ts";

/** Constructor options of {@link Stem}. */
export interface StemOptions {
  /** Where tasks are published. */
  broker: Broker;
  /** Where statuses and results live; needed for `waitForTask` and duplicate-id checks. */
  backend?: ResultBackend;
  /** Known handlers: their options are the defaults, their schemas validate args. */
  registry?: TaskRegistry;
  /**
   * Refuse to enqueue task (and `link`) names the registry does not know: a typo is an
   * `UnknownTaskError` at the call. Without it a producer enqueues any name (Celery's
   * `send_task`), which is what an edge producer without handlers wants.
   * @default true when the registry holds at least one handler, else false
   */
  strict?: boolean;
  /** Alias of {@link StemOptions.strict}, kept for compatibility; `strict` wins when both are set. */
  requireRegistered?: boolean;
  /** Extra payload encoders (JSON is built in). */
  encoders?: TaskPayloadEncoderRegistry | TaskPayloadEncoder[];
  /** Signs every published envelope. */
  signer?: EnvelopeSigner;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Signal set to emit on besides the global `StemSignals`. */
  signals?: StemSignalSet;
  /** Lifetime of stored statuses. @default the backend's */
  resultTtl?: Duration;
  /**
   * Keep a copy of each task's arguments on its statuses (`meta["stem.args"]`, every status the
   * worker writes carries it), so the dashboard and `stem task show` can show them, like
   * Celery's `result_extended`. Off by default: arguments often hold personal data, and statuses
   * are readable wherever the result backend is. Arguments larger than `maxBytes` of JSON are
   * kept as `{ truncated: true, bytes, preview }`; a task whose arguments go through a payload
   * encoder other than JSON (encrypted, compressed) records `{ encoded: "<encoder id>" }` only.
   * @default false (`maxBytes`: 8192)
   */
  recordArgs?: boolean | { maxBytes?: number };
  /**
   * Bound on each broker and backend call (publish, status read/write, watch): past it the call
   * rejects with `OperationTimeoutError` (`operation-timeout`) instead of hanging while a server
   * is down. Measured on `clock`. `false` turns the bound off.
   * @default "10s"
   */
  operationTimeout?: Duration | false;
  /**
   * Queue for tasks whose enqueue options, definition and handler name none
   * (`STEM_DEFAULT_QUEUE`). Checked like every queue name: an invalid one throws `invalid-queue`.
   * @default "default"
   */
  defaultQueue?: string;
  /**
   * Task middleware whose `onEnqueue` hooks wrap every envelope this producer publishes
   * (`enqueue`, `enqueueMany`, `enqueueCall`, a worker's children and link follow-ups), composed
   * in order (the first is the outermost). Other hooks are ignored here; a worker runs them.
   * @default []
   */
  middleware?: TaskMiddleware[];
  /** Where the producer's diagnostics go. @default silentLogger */
  logger?: Logger;
  /**
   * Where tasks go (routes, aliases, priority ranges, broadcast channels), applied to every
   * envelope this producer publishes before its `onEnqueue` middleware. Its `defaultQueue` is
   * the producer's unless `defaultQueue` is given. @default none (the task's own queue)
   */
  routing?: RoutingConfig;
  /** Who subscribes to broadcast channels; needed to publish to one. */
  broadcasts?: BroadcastDirectory;
}

/** Options for {@link Stem.waitForTask}. */
export interface WaitOptions<T = unknown> {
  /** Give up after this long and return a result with `timedOut: true`. @default no timeout */
  timeout?: Duration;
  /** Abort the wait. */
  signal?: AbortSignal;
  /** Turns the decoded JSON result into the typed value (a DTO's `fromJson`). */
  decode?: (json: unknown) => T;
}

/** A named enqueue request, for {@link Stem.enqueueMany}. */
export interface NamedEnqueueRequest extends EnqueueRequest {
  /** Task name. */
  name: string;
}

/** What {@link Stem.enqueueDetailed} tells the caller. */
export interface EnqueueDetail {
  /** The task id: the new task's, or the pending unique task's when `deduplicated`. */
  id: string;
  /** True when a unique task with the same key was pending and nothing new was published. */
  deduplicated: boolean;
  /** The pending task's id when `deduplicated` (equal to `id`). */
  existingId?: string;
}

/** One envelope on its way out, with how it must be published. */
interface Prepared {
  /** The built (unsigned) envelope. */
  envelope: Envelope;
  /** An explicit task id: the `queued` record must be created, or the id is a duplicate. */
  exclusive: boolean;
  /** Retry the publish itself on broker errors. */
  retry: boolean;
}

/**
 * The producer: builds envelopes, publishes them, records `queued` statuses, and waits for results.
 *
 * Every entry (`enqueue`, `enqueueMany`, `enqueueCall`) takes one path: prepare (validate, build)
 * → `onEnqueue` middleware → sign → publish alongside the `queued` status → `afterTaskPublish`.
 *
 * @example
 * ```ts ignore
 * const id = await stem.enqueue("hello.print", { args: { name: "Stem" } });
 * const result = await stem.waitForTask<string>(id, { timeout: "5s" });
 * ```
 */
export class Stem {
  /** The broker tasks are published to. */
  readonly broker: Broker;
  /** The result backend, when configured. */
  readonly backend: ResultBackend | undefined;
  /** The task registry, when configured. */
  readonly registry: TaskRegistry | undefined;
  /** Payload encoders by id. */
  readonly encoders: TaskPayloadEncoderRegistry;
  /** The envelope signer, when configured. */
  readonly signer: EnvelopeSigner | undefined;
  /** The clock. */
  readonly clock: Clock;
  /** Local signals. */
  readonly signals: StemSignalSet | undefined;
  /** Queue for tasks that name none. */
  readonly defaultQueue: string;
  /** Where diagnostics go. */
  readonly logger: Logger;
  /** Task middleware (only `onEnqueue` runs in the producer). */
  readonly middleware: readonly TaskMiddleware[];
  readonly #enqueueHooks: boolean;
  readonly #uniqueAware: boolean;
  readonly #strict: boolean | undefined;
  readonly #resultTtl: Duration | undefined;
  readonly #recordArgsBytes: number | undefined;
  readonly #deadlines: OperationDeadlines;
  readonly #routing: RoutingConfig | undefined;
  readonly #broadcasts: BroadcastDirectory | undefined;

  /** Creates a producer. */
  constructor(options: StemOptions) {
    this.broker = options.broker;
    this.backend = options.backend;
    this.registry = options.registry;
    this.encoders = options.encoders instanceof TaskPayloadEncoderRegistry
      ? options.encoders
      : new TaskPayloadEncoderRegistry(options.encoders ?? []);
    this.signer = options.signer;
    this.clock = options.clock ?? systemClock;
    this.signals = options.signals;
    this.#strict = options.strict ?? options.requireRegistered;
    this.#resultTtl = options.resultTtl;
    this.#recordArgsBytes = options.recordArgs
      ? (options.recordArgs === true ? undefined : options.recordArgs.maxBytes) ?? 8192
      : undefined;
    this.#routing = options.routing;
    this.#broadcasts = options.broadcasts;
    this.defaultQueue = validateQueueName(
      options.defaultQueue ?? options.routing?.defaultQueue ?? "default",
    );
    this.logger = options.logger ?? silentLogger;
    this.middleware = [...(options.middleware ?? [])];
    this.#enqueueHooks = this.middleware.some((m) => m.onEnqueue !== undefined);
    this.#uniqueAware = this.middleware.some((m) => m instanceof UniqueTasks);
    this.#deadlines = new OperationDeadlines(
      this.clock,
      options.operationTimeout === false ? undefined : toMillis(options.operationTimeout ?? "10s"),
    );
  }

  /**
   * Publishes a task and returns its id. Validates every field of the request (a bad one is a
   * `ValidationError` naming it), the args against the handler's schema, and that args and meta
   * encode as JSON; rejects a duplicate explicit `taskId`. A failed enqueue may still have
   * published: a caller that retries should pass an explicit `taskId`.
   */
  enqueue(name: string, request: EnqueueRequest = {}, lineage?: Lineage): Promise<string> {
    // Thens, not an async function: one-at-a-time enqueue is a hot path. A bad request still
    // arrives as a rejection.
    try {
      const prepared = this.#prepare(name, request, this.#registered(name), lineage);
      return prepared instanceof Promise
        ? prepared.then((p) => this.#sendOne(p))
        : this.#sendOne(prepared);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #sendOne(prepared: Prepared): Promise<string> {
    if (this.#enqueueHooks) return this.#send([prepared]).then((ids) => ids[0]);
    return this.#publishPrepared([prepared]).then(() => prepared.envelope.id);
  }

  /**
   * Like {@link Stem.enqueue}, and says whether a unique task was deduplicated: `{ id,
   * deduplicated: true, existingId }` when a task with the same unique key was pending (nothing
   * was published), else `{ id, deduplicated: false }`.
   */
  async enqueueDetailed(
    name: string,
    request: EnqueueRequest = {},
    lineage?: Lineage,
  ): Promise<EnqueueDetail> {
    const prepared = await this.#prepare(name, request, this.#registered(name), lineage);
    const id = (await this.#send([prepared]))[0];
    return id === prepared.envelope.id
      ? { id, deduplicated: false }
      : { id, deduplicated: true, existingId: id };
  }

  /**
   * Enqueues a typed call from a `TaskDefinition`. The task need not be registered here: the
   * definition supplies the defaults and the args schema.
   */
  async enqueueCall<Args, Result>(
    call: TaskCall<Args, Result>,
    lineage?: Lineage,
  ): Promise<string> {
    const registered = this.registry?.get(call.name);
    const fromDefinition = {
      name: call.name,
      options: call.definition.defaultOptions,
      metadata: call.definition.metadata,
      call: () => undefined,
    } as AnyTaskHandler;
    const handler = registered
      ? { ...fromDefinition, options: { ...registered.options, ...fromDefinition.options } }
      : fromDefinition;
    const prepared = await this.#prepare(call.name, call.request, handler, lineage);
    return (await this.#send([prepared]))[0];
  }

  /**
   * Publishes many tasks with one broker call where the adapter batches. Every request is
   * validated, and passes its `onEnqueue` middleware, before anything is published, so one bad
   * request (or one middleware that throws) publishes none.
   */
  async enqueueMany(requests: NamedEnqueueRequest[]): Promise<string[]> {
    const prepared: Prepared[] = [];
    const explicit = new Set<string>();
    for (const { name, ...request } of requests) {
      const one = await this.#prepare(name, request, this.#registered(name));
      if (one.exclusive) {
        if (explicit.has(one.envelope.id)) throw new DuplicateTaskIdError(one.envelope.id);
        explicit.add(one.envelope.id);
      }
      prepared.push(one);
    }
    return prepared.length > 0 ? await this.#send(prepared) : [];
  }

  /**
   * Like {@link Stem.enqueueMany}, each request with its own lineage (canvas publishes: derived
   * ids, group membership, continuations), through the same one path and one broker call. A
   * worker's re-publish (`lineage.republish`) is not refused for a name this registry lacks:
   * the canvas was checked when it was submitted, and its next step may run elsewhere.
   */
  async enqueueWithLineage(
    items: { name: string; request: EnqueueRequest; lineage?: Lineage }[],
  ): Promise<string[]> {
    const prepared: Prepared[] = [];
    for (const { name, request, lineage } of items) {
      const handler = lineage?.republish ? this.registry?.get(name) : this.#registered(name);
      prepared.push(await this.#prepare(name, request, handler, lineage));
    }
    return prepared.length > 0 ? await this.#send(prepared) : [];
  }

  /**
   * Validates a request with an explicit `enqueueOptions.taskId` and records its `queued` status
   * without publishing (`DuplicateTaskIdError` when the id exists). Publish it later with
   * `enqueue(name, request, { republish: true })`, which then costs one round trip: Beat
   * reserves a fire ahead of its time and publishes at the time itself.
   */
  async reserve(name: string, request: EnqueueRequest): Promise<string> {
    const prepared = await this.#prepare(name, request, this.#registered(name), undefined);
    if (!prepared.exclusive) {
      throw new TypeError(`Stem.reserve("${name}") needs an explicit enqueueOptions.taskId.`);
    }
    await this.#createQueuedExclusive(prepared.envelope);
    return prepared.envelope.id;
  }

  /** Reads a task's status (bounded by `operationTimeout`). */
  async getTaskStatus(id: string): Promise<TaskStatus | null> {
    return this.backend ? await this.#bounded("backend.get", this.backend.get(id)) : null;
  }

  /**
   * Waits until the task reaches a terminal state (watching the backend, not polling) or the
   * timeout passes; the result is decoded with the encoder recorded on the status, then with
   * `decode` when given. Each backend call is bounded by `operationTimeout`.
   */
  async waitForTask<T = unknown>(id: string, options: WaitOptions<T> = {}): Promise<TaskResult<T>> {
    const backend = this.#requireBackend("waitForTask");
    const timeoutMs = options.timeout === undefined ? undefined : toMillis(options.timeout);
    let last = null as TaskStatus | null;
    let finish: (status: TaskStatus | null, timedOut: boolean) => void = () => {};
    const done = new Promise<{ status: TaskStatus | null; timedOut: boolean }>((resolve) => {
      finish = (status, timedOut) => resolve({ status, timedOut });
    });
    const unwatch = await this.#bounded(
      "backend.watch",
      backend.watch(id, (status) => {
        last = status;
        if (isTerminal(status.state)) finish(status, false);
      }),
    );
    const onAbort = () => finish(last, true);
    options.signal?.addEventListener("abort", onAbort);
    const timer = timeoutMs === undefined
      ? undefined
      : this.clock.setTimeout(() => finish(last, true), timeoutMs);
    try {
      const current = await this.#bounded("backend.get", backend.get(id));
      const seen = last as TaskStatus | null;
      if (current && (seen === null || current.timestamps.updatedAt >= seen.timestamps.updatedAt)) {
        last = current;
      }
      if (current && isTerminal(current.state)) finish(current, false);
      if (options.signal?.aborted) finish(last, true);
      const outcome = await done;
      const result = await this.#toResult<T>(id, outcome.status, outcome.timedOut, timeoutMs ?? 0);
      if (!options.decode || !result.isSucceeded) return result;
      return new TaskResult<T>(id, result.status, options.decode(result.value), {
        timedOut: false,
        timeoutMs: timeoutMs ?? 0,
      });
    } finally {
      if (timer !== undefined) this.clock.clearTimeout(timer);
      options.signal?.removeEventListener("abort", onAbort);
      // The outcome is already decided; a hung or failed unsubscribe must not replace it.
      await this.#bounded("backend.unwatch", unwatch()).catch(() => {});
    }
  }

  /** Decodes a stored result with the encoder recorded on its status. */
  async decodeResult<T>(status: TaskStatus): Promise<T> {
    return await this.encoders.resolve(status.encoder).decode(status.result) as T;
  }

  async #toResult<T>(
    id: string,
    status: TaskStatus | null,
    timedOut: boolean,
    timeoutMs: number,
  ): Promise<TaskResult<T>> {
    const value = status?.state === "succeeded" ? await this.decodeResult<T>(status) : undefined;
    return new TaskResult<T>(id, status, value, { timedOut, timeoutMs });
  }

  #isStrict(): boolean {
    return this.#strict ?? (this.registry !== undefined && this.registry.list().length > 0);
  }

  /** The registered handler for `name`; an unknown name is an error on a strict producer. */
  #registered(name: string): AnyTaskHandler | undefined {
    const handler = this.registry?.get(name);
    if (!handler && this.#isStrict()) throw new UnknownTaskError(name);
    return handler;
  }

  /** Validates a request and builds its envelope: the one place every entry passes first. */
  #prepare(
    name: string,
    request: EnqueueRequest,
    handler: AnyTaskHandler | undefined,
    lineage?: Lineage,
  ): Prepared | Promise<Prepared> {
    validateEnqueueRequest(name, request);
    const publish = request.enqueueOptions ?? {};
    // Links are rare: the strictness check (it lists the registry) runs only when there are some.
    if ((publish.link?.length || publish.linkError?.length) && this.#isStrict()) {
      for (const link of [...(publish.link ?? []), ...(publish.linkError ?? [])]) {
        if (!this.registry?.get(link.name)) throw new UnknownTaskError(link.name);
      }
    }
    assertPayloadsEncodable(request.args, request);
    const built = buildEnvelope(name, request, {
      handler,
      encoders: this.encoders,
      now: this.clock.now(),
      lineage,
      defaultQueue: this.defaultQueue,
      routing: this.#routing,
    });
    return built instanceof Promise
      ? built.then((envelope) => this.#prepared(name, request, envelope, lineage))
      : this.#prepared(name, request, built, lineage);
  }

  #prepared(
    name: string,
    request: EnqueueRequest,
    envelope: Envelope,
    lineage: Lineage | undefined,
  ): Prepared {
    const publish = request.enqueueOptions ?? {};
    if (this.#recordArgsBytes !== undefined) {
      envelope.meta[MetaKey.recordedArgs] = recordedArgs(
        request.args ?? {},
        envelope.encoder,
        this.#recordArgsBytes,
      );
    }
    // Catches what the request check cannot see: the handler's or definition's defaults.
    checkEnvelope(envelope, `options of task "${name}"`);
    if (!this.#uniqueAware && envelope.meta[MetaKey.uniqueKey] !== undefined) {
      throw new TypeError(
        `Task "${name}" is unique, but this producer has no UniqueTasks middleware to deduplicate ` +
          "it: use a StemApp, or pass new UniqueTasks({ locks, kv }) in middleware.",
      );
    }
    return {
      envelope,
      exclusive: publish.taskId !== undefined && lineage?.republish !== true,
      retry: publish.retry === true,
    };
  }

  /**
   * Runs each prepared envelope through the `onEnqueue` middleware, then publishes together the
   * envelopes whose middleware called `next` (one broker call for a batch). A middleware that
   * throws before `next` rejects the whole call with nothing published; one that returns without
   * calling `next` skips its envelope and its return value is the id. Resolves with the ids in
   * request order.
   */
  async #send(list: Prepared[]): Promise<string[]> {
    if (!this.#enqueueHooks) {
      await this.#publishPrepared(list);
      return list.map((p) => p.envelope.id);
    }
    const reached: (Prepared | undefined)[] = new Array(list.length);
    let waiting = list.length;
    let gathered!: () => void;
    let abort!: (error: unknown) => void;
    const allIn = new Promise<void>((resolve, reject) => {
      gathered = resolve;
      abort = reject;
    });
    const arrived = () => {
      if (--waiting === 0) gathered();
    };
    let settle!: (outcome: Promise<void>) => void;
    const published = new Promise<void>((resolve) => (settle = resolve));
    published.catch(() => {});
    const chains = list.map((p, i) =>
      composeEnqueue(this.middleware, p.envelope, async (envelope) => {
        if (envelope !== p.envelope) checkEnvelope(envelope, `envelope of task "${envelope.name}"`);
        reached[i] = { ...p, envelope };
        arrived();
        await published;
        return envelope.id;
      }).then((id) => {
        if (!reached[i]) arrived();
        return id;
      }, (error) => {
        if (!reached[i]) abort(error);
        throw error;
      })
    );
    try {
      await allIn;
    } catch (error) {
      // Nothing was published; the chains waiting in `next` reject with the same error.
      settle(Promise.reject(error));
      await Promise.allSettled(chains);
      throw error;
    }
    const due = reached.filter((p): p is Prepared => p !== undefined);
    settle(due.length > 0 ? this.#publishPrepared(due) : Promise.resolve());
    const ids = await Promise.allSettled(chains);
    const failed = ids.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
    return ids.map((r) => (r as PromiseFulfilledResult<string>).value);
  }

  /**
   * Signs and publishes prepared envelopes. Explicit ids get their `queued` record created
   * first (a duplicate publishes nothing); generated ids are new, so their `queued` record is
   * created in parallel with the publish: one round trip instead of two, and create-if-absent
   * never overwrites a worker's later write. That parallelism is why a failed enqueue may still
   * have published.
   */
  #publishPrepared(routed: Prepared[]): Promise<void> {
    // No await for the common case: most publishes name no broadcast channel.
    if (routed.some((p) => p.envelope.meta[MetaKey.broadcast] !== undefined)) {
      return this.#fanOut(routed).then((list) => this.#publishRouted(list));
    }
    return this.#publishRouted(routed);
  }

  #publishRouted(list: Prepared[]): Promise<void> {
    if (list.length === 0) return Promise.resolve();
    if (list.length === 1 && !list[0].exclusive) return this.#publishOne(list[0]);
    return this.#publishMany(list);
  }

  async #publishMany(list: Prepared[]): Promise<void> {
    const envelopes = await Promise.all(
      list.map((p) => this.signer ? this.signer.sign(p.envelope) : Promise.resolve(p.envelope)),
    );
    for (const envelope of envelopes) {
      emitSignal(this.signals, "beforeTaskPublish", { envelope });
    }
    const exclusive = envelopes.filter((_, i) => list[i].exclusive);
    const generated = envelopes.filter((_, i) => !list[i].exclusive);
    const claims = await Promise.allSettled(exclusive.map((e) => this.#createQueuedExclusive(e)));
    const refused = claims.find((c) => c.status === "rejected");
    if (refused) {
      // Nothing was published; the ids this batch did claim must not stay `queued` forever.
      const claimed = exclusive.filter((_, i) => claims[i].status === "fulfilled");
      await Promise.all(claimed.map((e) => this.#writePublishFailure(e, refused.reason)));
      throw refused.reason;
    }
    const [created, published] = await Promise.allSettled([
      Promise.all(generated.map((e) => this.#createQueued(e))),
      this.#publishWithRetry(envelopes, list.every((p) => p.retry)),
    ]);
    if (published.status === "rejected") {
      await Promise.all(envelopes.map((e) => this.#writePublishFailure(e, published.reason)));
      throw published.reason;
    }
    for (const envelope of envelopes) emitSignal(this.signals, "afterTaskPublish", { envelope });
    // The tasks are on the broker; a failed status write must still surface to the caller.
    if (created.status === "rejected") throw created.reason;
  }

  /** {@link Stem.#publishPrepared} for one generated id, the common `enqueue`: fewer promises. */
  #publishOne(prepared: Prepared): Promise<void> {
    if (!this.signer) return this.#publishSigned(prepared.envelope, prepared.retry);
    return this.signer.sign(prepared.envelope).then((envelope) =>
      this.#publishSigned(envelope, prepared.retry)
    );
  }

  /**
   * Publishes one envelope while its `queued` record is created; settles once both did. A failed
   * publish records "publish failed" and rejects with its error; a failed create rejects after the
   * publish (the task is on the broker, but the caller must hear of the lost status).
   */
  #publishSigned(envelope: Envelope, retry: boolean): Promise<void> {
    emitSignal(this.signals, "beforeTaskPublish", { envelope });
    // One round trip when the backend can record `queued` in the broker's own publish call; a
    // publish with retries keeps the two steps (the retry loop re-publishes only the message).
    const together = retry ? null : this.#createAndPublish(envelope);
    if (together) {
      return together.then(
        () => emitSignal(this.signals, "afterTaskPublish", { envelope }),
        (error) =>
          this.#writePublishFailure(envelope, error).then(() => {
            throw error;
          }),
      );
    }
    const created: Promise<unknown> = this.backend
      ? this.#createQueued(envelope).then(
        () => undefined,
        (error) => error ?? new Error("the queued status write failed"),
      )
      : Promise.resolve(undefined);
    return this.#publishWithRetry([envelope], retry).then(
      () =>
        created.then((createError) => {
          emitSignal(this.signals, "afterTaskPublish", { envelope });
          if (createError !== undefined) throw createError;
        }),
      (error) =>
        created.then(() => this.#writePublishFailure(envelope, error)).then(() => {
          throw error;
        }),
    );
  }

  /**
   * Replaces each envelope routed to a broadcast channel with one copy per subscribed worker's
   * inbox queue (fresh ids, the enqueue's id in `stem.broadcast.id`). With no subscriber the
   * broadcast reaches no one: that is logged, not thrown, as with any fan-out.
   */
  async #fanOut(list: Prepared[]): Promise<Prepared[]> {
    if (!list.some((p) => p.envelope.meta[MetaKey.broadcast] !== undefined)) return list;
    const out: Prepared[] = [];
    const inboxes = new Map<string, Promise<string[]>>();
    for (const p of list) {
      const channel = p.envelope.meta[MetaKey.broadcast];
      if (typeof channel !== "string") {
        out.push(p);
        continue;
      }
      if (!this.#broadcasts) {
        throw new TypeError(
          `Task "${p.envelope.name}" is routed to broadcast channel "${channel}", but this ` +
            "producer has no broadcast directory: use a StemApp, or pass { broadcasts }.",
        );
      }
      if (!inboxes.has(channel)) {
        inboxes.set(
          channel,
          this.#bounded("broadcasts.inboxes", this.#broadcasts.inboxes(channel)),
        );
      }
      if (p.envelope.groupId !== undefined || p.envelope.canvas !== undefined) {
        // A group, chord or chain counts one result per member; N copies would break the count.
        throw new BroadcastError(
          channel,
          `Task "${p.envelope.name}" is routed to broadcast channel "${channel}" inside a canvas ` +
            "(chain, group, chord or batch); broadcast it on its own with enqueue().",
        );
      }
      const targets = await inboxes.get(channel)!;
      if (targets.length === 0) {
        this.logger.warn("Broadcast to a channel no worker subscribes to; nothing was published", {
          channel,
          taskId: p.envelope.id,
          name: p.envelope.name,
        });
      }
      for (const inbox of targets) {
        const copy: Envelope = {
          ...p.envelope,
          id: uuidv7(this.clock.now()),
          queue: inbox,
          meta: { ...p.envelope.meta, [MetaKey.broadcastId]: p.envelope.id },
        };
        out.push({ envelope: copy, exclusive: false, retry: p.retry });
      }
    }
    return out;
  }

  /** Publishes; with `retry`, again after a failure, with back-off (the loop starts only then). */
  #publishWithRetry(envelopes: Envelope[], retry: boolean): Promise<void> {
    const first = this.#publishAttempt(envelopes);
    return retry ? first.catch((error) => this.#retryPublish(envelopes, error)) : first;
  }

  #publishAttempt(envelopes: Envelope[]): Promise<void> {
    try {
      return envelopes.length === 1
        ? this.#bounded("broker.publish", this.broker.publish(envelopes[0]))
        : this.#bounded("broker.publishMany", this.broker.publishMany(envelopes));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #retryPublish(envelopes: Envelope[], failure: unknown): Promise<void> {
    const policy = envelopes[0].retryPolicy;
    const attempts = (policy?.maxRetries ?? 3) + 1;
    let error = failure;
    for (let attempt = 0;; attempt++) {
      if (attempt + 1 >= attempts) throw error;
      const delay = policyDelay({ defaultDelay: 100, backoff: true, ...policy }, attempt);
      await new Promise((resolve) => this.clock.setTimeout(() => resolve(undefined), delay));
      try {
        return await this.#publishAttempt(envelopes);
      } catch (next) {
        error = next;
      }
    }
  }

  #createAndPublish(envelope: Envelope): Promise<unknown> | null {
    const backend = this.backend;
    if (!backend?.createAndPublish) return null;
    try {
      const together = backend.createAndPublish(
        queuedStatus(envelope),
        this.#ttl(),
        this.broker,
        envelope,
      );
      return together && this.#bounded("backend.createAndPublish", together);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #createQueued(envelope: Envelope): Promise<unknown> {
    if (!this.backend) return Promise.resolve();
    try {
      return this.#bounded(
        "backend.create",
        this.backend.create(queuedStatus(envelope), this.#ttl()),
      );
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Records `queued` for an explicit id; it must create the record. */
  async #createQueuedExclusive(envelope: Envelope): Promise<void> {
    if (!this.backend) return;
    const created = await this.#bounded(
      "backend.create",
      this.backend.create(queuedStatus(envelope), this.#ttl()),
    );
    if (!created) throw new DuplicateTaskIdError(envelope.id);
  }

  async #writePublishFailure(envelope: Envelope, error: unknown): Promise<void> {
    if (!this.backend) return;
    await this.#bounded(
      "backend.set",
      this.backend.set(publishFailedStatus(envelope, error), this.#ttl()),
    ).catch((writeError) =>
      // The enqueue already rejects with the publish error; this one only explains the status.
      this.logger.warn("Could not record a failed publish; the task's status stays queued", {
        taskId: envelope.id,
        error: writeError,
      })
    );
  }

  #bounded<T>(operation: string, work: Promise<T>): Promise<T> {
    return this.#deadlines.bound(operation, work);
  }

  #ttl(): { ttl?: Duration } {
    return this.#resultTtl === undefined ? {} : { ttl: this.#resultTtl };
  }

  #requireBackend(method: string): ResultBackend {
    if (!this.backend) {
      throw new TypeError(
        `Stem.${method}() needs a result backend: pass { backend } to new Stem().`,
      );
    }
    return this.backend;
  }
}

/** Throws a `ValidationError` naming every bad field of a built envelope. */
function checkEnvelope(envelope: Envelope, subject: string): void {
  const issues = envelopeFieldIssues(envelope as unknown as Record<string, unknown>);
  if (issues.length > 0) throw new ValidationError(subject, issues);
}

/** What `recordArgs` keeps of a task's arguments: a copy, a bounded preview, or the encoder id. */
function recordedArgs(args: unknown, encoder: string | undefined, maxBytes: number): JsonValue {
  if (encoder !== undefined && encoder !== "json") return { encoded: encoder };
  const text = JSON.stringify(args);
  const bytes = new TextEncoder().encode(text).length;
  if (bytes <= maxBytes) return JSON.parse(text) as JsonValue;
  return { truncated: true, bytes, preview: text.slice(0, 256) };
}
