import type { Delivery } from "../broker/broker.ts";
import { type Clock, systemClock, type TimerHandle } from "../core/clock.ts";
import { DeferDelivery } from "../core/consume_verdict.ts";
import { type Duration, toMillis } from "../core/duration.ts";
import type { TaskMiddleware } from "../core/middleware.ts";
import type { LockStore } from "../locks/lock_store.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";

/** Options of {@link QueueConcurrency}. */
export interface QueueConcurrencyOptions {
  /** Where the leases live (`locksOf(app.stores)`), shared by every worker. */
  locks: LockStore;
  /** Most tasks running at once, cluster-wide, per queue: `{ reports: 2 }`. */
  limits: Readonly<Record<string, number>>;
  /**
   * Lease of a running task's slot, renewed at a third of it while the task runs; a crashed
   * worker's slot frees itself this long after its last renewal. @default "30s"
   */
  lease?: Duration;
  /** How long a task that found every slot taken waits before it tries again. @default "250ms" */
  retryDelay?: Duration;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Where failed renewals and releases are reported. @default silentLogger */
  logger?: Logger;
  /** Random source for the retry jitter. @default Math.random */
  random?: () => number;
}

/**
 * Queue-level concurrency across every worker (`onConsume`): a task of a limited queue runs only
 * while it holds one of the queue's N slot leases (locks `queue-slot:<queue>:<i>`). A task that
 * finds them all taken is put off briefly ({@link DeferDelivery}, no retry spent) and frees its
 * worker slot at once; a crashed worker's lease expires, so its slot comes back.
 *
 * @example
 * ```ts
 * import { QueueConcurrency } from "./queue_concurrency.ts";
 * import { KvLockStore } from "../locks/kv_lock_store.ts";
 * import type { AtomicKv } from "../kv/atomic_kv.ts";
 * declare const kv: AtomicKv;
 * const gate = new QueueConcurrency({ locks: new KvLockStore(kv), limits: { reports: 2 } });
 * ```
 */
export class QueueConcurrency implements TaskMiddleware {
  readonly #locks: LockStore;
  readonly #limits: Readonly<Record<string, number>>;
  readonly #leaseMs: number;
  readonly #retryMs: number;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #random: () => number;

  /** Limits `options.limits` over `options.locks`. */
  constructor(options: QueueConcurrencyOptions) {
    for (const [queue, n] of Object.entries(options.limits)) {
      if (!Number.isInteger(n) || n < 1) {
        throw new RangeError(
          `queueConcurrency of "${queue}" must be a positive integer; got ${n}.`,
        );
      }
    }
    this.#locks = options.locks;
    this.#limits = options.limits;
    this.#leaseMs = toMillis(options.lease ?? "30s");
    this.#retryMs = toMillis(options.retryDelay ?? "250ms");
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#random = options.random ?? Math.random;
  }

  /** Runs the delivery inside a slot lease of its queue, or defers it when all are taken. */
  async onConsume(delivery: Delivery, next: () => Promise<void>): Promise<void> {
    const limit = this.#limits[delivery.queue];
    if (limit === undefined) return await next();
    const owner = `${delivery.envelope.id}:${crypto.randomUUID()}`;
    const slot = await this.#take(delivery.queue, limit, owner);
    if (slot === null) {
      const wait = this.#retryMs * (0.5 + this.#random());
      throw new DeferDelivery(
        this.#clock.now() + wait,
        `Queue "${delivery.queue}" runs at most ${limit} tasks at once; every slot is taken.`,
        { reason: "queue-concurrency", meta: { queueConcurrency: limit } },
      );
    }
    const stop = this.#keepRenewing(slot, owner);
    try {
      await next();
    } finally {
      stop();
      await this.#locks.release(slot, owner).catch((error) =>
        this.#logger.warn("Could not release a queue slot; it frees itself when its lease ends", {
          slot,
          error,
        })
      );
    }
  }

  async #take(queue: string, limit: number, owner: string): Promise<string | null> {
    // A random first slot spreads workers over the slots instead of all racing for slot 0.
    const start = Math.floor(this.#random() * limit);
    for (let i = 0; i < limit; i++) {
      const slot = `queue-slot:${queue}:${(start + i) % limit}`;
      if (await this.#locks.acquire(slot, owner, this.#leaseMs)) return slot;
    }
    return null;
  }

  #keepRenewing(slot: string, owner: string): () => void {
    let timer: TimerHandle | undefined;
    let stopped = false;
    const schedule = () => {
      timer = this.#clock.setTimeout(async () => {
        if (stopped) return;
        const kept = await this.#locks.renew(slot, owner, this.#leaseMs).catch(() => false);
        if (!kept) this.#logger.warn("A queue slot lease could not be renewed", { slot });
        if (!stopped) schedule();
      }, this.#leaseMs / 3);
    };
    schedule();
    return () => {
      stopped = true;
      if (timer !== undefined) this.#clock.clearTimeout(timer);
    };
  }
}
