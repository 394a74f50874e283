import type { Delivery } from "../broker/broker.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { SupersededDelivery } from "../core/consume_verdict.ts";
import type { Envelope } from "../core/envelope.ts";
import { MetaKey } from "../core/meta_keys.ts";
import type { TaskMiddleware } from "../core/middleware.ts";
import type { TaskOutcome, TaskOutcomeKind } from "../core/task_outcome.ts";
import { isTerminal } from "../backend/task_status.ts";
import type { StatusStore } from "../backend/status_store.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";
import type { LockStore } from "../locks/lock_store.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import { emitSignal, type StemSignalSet } from "../signals/stem_signals.ts";
import { DebounceRecords } from "./debounce_records.ts";
import { type UniqueClaim, uniqueClaimOf } from "./unique_meta.ts";

/** Options of {@link UniqueTasks}. */
export interface UniqueTasksOptions {
  /** Where `until-complete` and `throttle` keys are held (`locksOf(app.stores)`). */
  locks: LockStore;
  /** Where `debounce` records live (`app.stores.kv`); needed only for debounced tasks. */
  kv?: AtomicKv;
  /**
   * Task statuses (`app.stores.statuses`): a debounced copy that finds no record runs only when
   * its task has not finished (another copy ran it). Without it such a copy runs.
   */
  statuses?: StatusStore;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Signal set for `taskDeduplicated` (the global `StemSignals` fire too). */
  signals?: StemSignalSet;
  /** Where failed releases are reported (the lock then expires by its TTL). @default silentLogger */
  logger?: Logger;
  /** Prefix of every unique key in the lock store and kv. @default "unique:" */
  prefix?: string;
}

/** Outcomes after which a task never runs again: its `until-complete` key is released. */
const TERMINAL: ReadonlySet<TaskOutcomeKind> = new Set([
  "succeeded",
  "failed",
  "rejected",
  "expired",
  "cancelled",
]);

/**
 * The unique-task middleware: in the producer (`onEnqueue`) it claims the envelope's unique key
 * and returns the holder's id instead of publishing a duplicate; in the worker it releases an
 * `until-complete` key on every terminal outcome (`onOutcome`) and supersedes outdated debounced
 * copies (`onConsume`). A `StemApp` installs it for you; a hand-built `Stem` and `Worker` need it
 * in both their `middleware` lists.
 *
 * @example
 * ```ts
 * import { UniqueTasks } from "./unique_tasks.ts";
 * import { KvLockStore } from "../locks/kv_lock_store.ts";
 * import { isTerminal } from "../backend/task_status.ts";
import type { StatusStore } from "../backend/status_store.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";
 * declare const kv: AtomicKv;
 * const unique = new UniqueTasks({ locks: new KvLockStore(kv), kv });
 * const middleware = [unique]; // pass to new Stem({ middleware }) and new Worker({ middleware })
 * ```
 */
export class UniqueTasks implements TaskMiddleware {
  readonly #locks: LockStore;
  readonly #clock: Clock;
  readonly #signals: StemSignalSet | undefined;
  readonly #logger: Logger;
  readonly #prefix: string;
  readonly #debounce: DebounceRecords | null;
  readonly #statuses: StatusStore | undefined;

  /** A coordinator over `options.locks` (and `options.kv` for debounce). */
  constructor(options: UniqueTasksOptions) {
    this.#locks = options.locks;
    this.#clock = options.clock ?? systemClock;
    this.#signals = options.signals;
    this.#logger = options.logger ?? silentLogger;
    this.#prefix = options.prefix ?? "unique:";
    this.#debounce = options.kv ? new DebounceRecords(options.kv, this.#prefix) : null;
    this.#statuses = options.statuses;
  }

  /** Claims the key, or resolves with the id of the task that holds it. */
  async onEnqueue(
    envelope: Envelope,
    next: (envelope: Envelope) => Promise<string>,
  ): Promise<string> {
    const claim = uniqueClaimOf(envelope);
    if (!claim) return await next(envelope);
    if (claim.mode === "debounce") return await this.#enqueueDebounced(envelope, claim, next);
    const lockKey = this.#prefix + claim.key;
    for (let attempt = 0; attempt < 3; attempt++) {
      if (await this.#locks.acquire(lockKey, envelope.id, claim.ttlMs)) {
        try {
          return await next(envelope);
        } catch (error) {
          // Nothing was published under the key: the next enqueue must not find it held.
          await this.#release(lockKey, envelope.id);
          throw error;
        }
      }
      const owner = await this.#locks.ownerOf(lockKey);
      // null: the holder let go between the two calls; try to take it again.
      if (owner !== null) return this.#deduplicated(envelope, claim, owner);
    }
    throw new Error(
      `Could not claim unique key of task "${envelope.name}": it kept changing hands.`,
    );
  }

  /** Supersedes a debounced copy older than the stored one; marks the current one running. */
  async onConsume(delivery: Delivery, next: () => Promise<void>): Promise<void> {
    const envelope = delivery.envelope;
    const claim = delivery.invalid ? null : uniqueClaimOf(envelope);
    if (claim?.mode === "debounce" && this.#debounce) {
      let verdict = await this.#debounce.start(claim.key, envelope.id, claim.version);
      if (verdict === "unknown") verdict = await this.#finishedElsewhere(envelope.id);
      if (verdict === "superseded") {
        throw new SupersededDelivery(
          `Task "${envelope.name}" ${envelope.id} was re-enqueued within its debounce window; a newer copy runs instead.`,
        );
      }
    } else if (claim?.mode === "until-complete") {
      // The wait in the queue may have used up much of the TTL; the run gets a full one.
      await this.#locks.renew(this.#prefix + claim.key, envelope.id, claim.ttlMs).catch((error) =>
        this.#logger.warn("Could not renew a unique task's lock", { taskId: envelope.id, error })
      );
    }
    await next();
  }

  /**
   * On a terminal outcome, before the status is recorded (so by the time a caller sees the final
   * status a new enqueue with the key is accepted): releases an `until-complete` key, or marks a
   * `debounce` record done.
   */
  async onOutcome(
    outcome: TaskOutcome,
    next: (outcome?: TaskOutcome) => Promise<void>,
  ): Promise<void> {
    const envelope = outcome.delivery.envelope;
    const claim = TERMINAL.has(outcome.kind) && !outcome.delivery.invalid
      ? uniqueClaimOf(envelope)
      : null;
    if (claim?.mode === "until-complete") {
      await this.#release(this.#prefix + claim.key, envelope.id);
    }
    if (claim?.mode === "debounce") {
      await this.#debounce?.finish(claim.key, envelope.id).catch((error) =>
        this.#logger.warn("Could not end a debounced task's window", { taskId: envelope.id, error })
      );
    }
    await next(outcome);
  }

  async #enqueueDebounced(
    envelope: Envelope,
    claim: UniqueClaim,
    next: (envelope: Envelope) => Promise<string>,
  ): Promise<string> {
    if (!this.#debounce) {
      throw new TypeError(
        `Task "${envelope.name}" is unique: "debounce", which needs an AtomicKv: pass { kv } to UniqueTasks.`,
      );
    }
    const dueAt = Math.max(envelope.notBefore ?? 0, this.#clock.now() + claim.ttlMs);
    const placed = await this.#debounce.place(claim.key, envelope.id, claim.ttlMs);
    if (placed.state === "running") return this.#deduplicated(envelope, claim, placed.owner);
    const copy: Envelope = {
      ...envelope,
      id: placed.owner,
      notBefore: dueAt,
      meta: { ...envelope.meta, [MetaKey.uniqueVersion]: placed.version },
    };
    let id: string;
    try {
      id = await next(copy);
    } catch (error) {
      await this.#debounce.undo(claim.key, placed, claim.ttlMs).catch(() => {});
      throw error;
    }
    if (placed.owner !== envelope.id) this.#emit(envelope, claim, placed.owner);
    return id;
  }

  async #finishedElsewhere(id: string): Promise<"run" | "superseded"> {
    const status = await this.#statuses?.get(id).catch(() => null);
    return status && isTerminal(status.state) ? "superseded" : "run";
  }

  #deduplicated(envelope: Envelope, claim: UniqueClaim, owner: string): string {
    this.#emit(envelope, claim, owner);
    return owner;
  }

  #emit(envelope: Envelope, claim: UniqueClaim, owner: string): void {
    emitSignal(this.#signals, "taskDeduplicated", {
      existingId: owner,
      duplicateId: envelope.id,
      name: envelope.name,
      queue: envelope.queue,
      uniqueKey: claim.key,
      mode: claim.mode,
    });
  }

  async #release(lockKey: string, owner: string): Promise<void> {
    await this.#locks.release(lockKey, owner).catch((error) =>
      this.#logger.warn("Could not release a unique task's lock; it expires by its TTL", {
        taskId: owner,
        error,
      })
    );
  }
}
