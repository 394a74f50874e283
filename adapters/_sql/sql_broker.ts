import { Batcher } from "../../src/broker/batcher.ts";
import { deadLetterPage, deadLetterWindow } from "../../src/broker/dead_letter_paging.ts";
import {
  type Broker,
  type BrokerCapabilities,
  type ConsumeOptions,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  type Delivery,
  type NackOptions,
  type QueueCounts,
} from "../../src/broker/broker.ts";
import type {
  DeadLetterEntry,
  DeadLetterPage,
  DeadLetterStore,
  ReplayOptions,
  ReplayResult,
} from "../../src/broker/dead_letter_store.ts";
import { claimLoop, PrefetchLedger } from "../../src/broker/claim_loop.ts";
import { type Clock, systemClock } from "../../src/core/clock.ts";
import { replayedEnvelope } from "../../src/core/dead_letters.ts";
import { type Duration, toMillis, toMillisOrUndefined } from "../../src/core/duration.ts";
import { encodeEnvelope, type Envelope, type JsonValue } from "../../src/core/envelope.ts";
import { LeaseLostError, type StemError } from "../../src/core/errors.ts";
import { type Logger, silentLogger } from "../../src/observability/logger.ts";
import type { JobWakeSource, SqlExecutor, SqlParam } from "./executor.ts";
import {
  type ClaimedRow,
  type DeadLetterRow,
  jobValues,
  parseReceipt,
  toDeadLetter,
  toDelivery,
} from "./rows.ts";

/** Options of {@link SqlBroker}. */
export interface SqlBrokerOptions {
  /** Lease length when the envelope has no `visibilityTimeout`. @default "30s" */
  defaultVisibilityTimeout?: Duration;
  /** First idle poll; doubles while idle. @default "5s" with a blocking wake source, else "20ms" */
  pollMin?: Duration;
  /** Longest idle poll (missed wake-ups are caught within this). @default "5s" / "1s" */
  pollMax?: Duration;
  /** Most messages leased in one claim. @default 100 */
  maxBatch?: number;
  /** Time source of leases and delays. @default systemClock */
  clock?: Clock;
  /** Receives errors a consumer recovered from (warn). @default silentLogger */
  logger?: Logger;
  /** Also receives errors a consumer recovered from (kept for older callers). */
  onError?: (error: StemError) => void;
}

/** Column values of one message for jobs_insert. */
const insertRow = (e: Envelope, now: number): SqlParam[] => {
  const v = jobValues(e, now);
  return [v.queue, v.taskId, v.priority, v.visibleAt, v.leaseMs, v.envelope, v.dueAt];
};

/** The claim's order: priority, then messages that fell due (earliest first), then oldest. */
const claimOrder = (a: ClaimedRow, b: ClaimedRow) =>
  Number(b.priority) - Number(a.priority) ||
  (a.due_at === null ? (b.due_at === null ? 0 : 1) : b.due_at === null ? -1 : 0) ||
  Number(a.due_at ?? 0) - Number(b.due_at ?? 0) || Number(a.id) - Number(b.id);

/** Both its ports: the consumer side and the dead-letter store. */
type BrokerWithDeadLetters = Broker & DeadLetterStore;

/**
 * The broker and its dead letters, written once against a {@link SqlExecutor}: messages are rows
 * leased in batches (read-ahead through the shared claim loop), acks of concurrent callers share
 * one statement, publishes share one insert, and consumers sleep on the dialect's wake source.
 */
export class SqlBroker implements BrokerWithDeadLetters {
  /** Priorities and delays; no broadcast; `blocking` from the wake source. */
  readonly capabilities: BrokerCapabilities;
  readonly #db: SqlExecutor;
  readonly #wake: JobWakeSource;
  readonly #clock: Clock;
  readonly #leaseMs: number;
  readonly #pollMin: number;
  readonly #pollMax: number;
  readonly #maxBatch: number;
  readonly #onError: (error: StemError) => void;
  readonly #ledger = new PrefetchLedger();
  readonly #deletes: Batcher<{ id: number; token: number }, void>;
  readonly #publishes: Batcher<Envelope, void>;
  readonly #onClose: () => Promise<void>;
  #closed = false;

  /** Wraps an executor; `onClose` runs once on {@link close} (closing what the broker owns). */
  constructor(
    db: SqlExecutor,
    wake: JobWakeSource,
    options: SqlBrokerOptions & { onClose?: () => Promise<void> } = {},
  ) {
    this.#db = db;
    this.#wake = wake;
    this.#clock = options.clock ?? systemClock;
    this.capabilities = { priority: true, delay: true, broadcast: false, blocking: wake.blocking };
    this.#leaseMs = toMillis(options.defaultVisibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT_MS);
    this.#pollMin = toMillis(options.pollMin ?? (wake.blocking ? 5_000 : 20));
    this.#pollMax = toMillis(options.pollMax ?? (wake.blocking ? 5_000 : 1_000));
    this.#maxBatch = options.maxBatch ?? 100;
    const logger = options.logger ?? silentLogger;
    const onError = options.onError;
    this.#onError = (error) => {
      logger.warn(error.message, { code: error.code });
      onError?.(error);
    };
    this.#onClose = options.onClose ?? (() => Promise.resolve());
    // Single-flight: acks arriving while a DELETE runs go out together in the next one.
    this.#deletes = new Batcher((items) => this.#deleteRows(items), {
      maxBatch: 1000,
      maxConcurrent: 1,
    });
    this.#publishes = new Batcher((items) => this.#insert(items), {
      maxBatch: 500,
      maxConcurrent: 4,
      flush: "microtask",
    });
  }

  /** Publishes one message (concurrent calls share one insert). */
  publish(envelope: Envelope): Promise<void> {
    return this.#publishes.add(envelope);
  }

  /** Publishes many messages, 5,000 per statement. */
  async publishMany(envelopes: Envelope[]): Promise<void> {
    for (let i = 0; i < envelopes.length; i += 5_000) {
      await this.#insert(envelopes.slice(i, i + 5_000));
    }
  }

  /** Yields leased deliveries until the signal aborts or the broker closes. */
  consume(options: ConsumeOptions): AsyncIterable<Delivery> {
    if (options.queues.length === 0) throw new RangeError("consume() needs at least one queue.");
    const queues = [...new Set(options.queues)];
    const wanted = new Set(queues);
    const sql = this.#db.sql;
    return claimLoop({
      prefetch: Math.max(1, options.prefetch ?? 1),
      maxBatch: this.#maxBatch,
      signal: options.signal,
      isClosed: () => this.#closed,
      claim: async (limit) => {
        const now = this.#clock.now();
        // One statement, atomic on its own in every dialect (no transaction round trips).
        const rows = await this.#db.all<ClaimedRow>(sql.jobsClaim, [
          queues,
          now,
          limit,
          this.#leaseMs,
        ]);
        return rows.sort(claimOrder).map((row) => toDelivery(row, now));
      },
      nextDue: async () => {
        const [row] = await this.#db.all<{ at: number | null }>(
          sql.jobsNextDue,
          [queues, this.#clock.now()],
          { idempotent: true },
        );
        return row?.at == null ? null : Number(row.at);
      },
      subscribe: (wake) => this.#wake.subscribe(wanted, wake),
      ready: () => this.#wake.ready(),
      ledger: this.#ledger,
      release: (delivery) => this.nack(delivery, { requeue: true }),
      pollMin: this.#pollMin,
      pollMax: this.#pollMax,
      onError: (error) => this.#onError(error),
      clock: this.#clock,
    });
  }

  /** Settles a delivery as done; its prefetch unit comes back however the call ends. */
  ack(delivery: Delivery): Promise<void> {
    return this.#ledger.settle(delivery, () => this.#ack(delivery));
  }

  /**
   * Settles a delivery with `settle`, which acks it by its job id and token together with
   * whatever else it writes (the status store's one-statement settle); false when `db` is not
   * this broker's executor.
   */
  settleWith(
    db: SqlExecutor,
    delivery: Delivery,
    settle: (job: { id: number; token: number }) => Promise<void>,
  ): Promise<void> | null {
    if (db !== this.#db) return null;
    return this.#ledger.settle(delivery, () => settle(parseReceipt(delivery.receipt)));
  }

  /** Requeues (optionally replaced by a retry envelope) or drops a delivery. */
  nack(delivery: Delivery, options: NackOptions = {}): Promise<void> {
    return this.#ledger.settle(delivery, () => this.#nack(delivery, options));
  }

  /** Moves a delivery to its queue's dead letters (a stale receipt: no-op). */
  deadLetter(
    delivery: Delivery,
    reason: string,
    meta: Record<string, JsonValue> = {},
  ): Promise<void> {
    return this.#ledger.settle(delivery, () => this.#deadLetter(delivery, reason, meta));
  }

  /** Acks of concurrent callers share one statement (no async frame: once per task). */
  #ack(delivery: Delivery): Promise<void> {
    let job: { id: number; token: number };
    try {
      job = parseReceipt(delivery.receipt);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#deletes.add(job);
  }

  /** A requeue, optionally replaced by a retry envelope, is one statement. */
  async #nack(delivery: Delivery, options: NackOptions): Promise<void> {
    if (options.requeue === false) return this.#ack(delivery);
    const { id, token } = parseReceipt(delivery.receipt);
    const now = this.#clock.now();
    const v = options.envelope ? jobValues(options.envelope, now) : null;
    const rows = await this.#db.all<{ queue: string }>(this.#db.sql.jobsRequeue, [
      id,
      token,
      v?.visibleAt ?? now,
      v?.queue ?? null,
      v?.priority ?? null,
      v?.leaseMs ?? null,
      v?.envelope ?? null,
      v !== null,
      v?.dueAt ?? null,
    ], { idempotent: true });
    this.#wake.published(rows.map((r) => r.queue));
  }

  /** Moves the lease deadline to now + `by`; throws LeaseLostError when no longer held. */
  async extendLease(delivery: Delivery, by: Duration): Promise<void> {
    const { id, token } = parseReceipt(delivery.receipt);
    const until = this.#clock.now() + toMillis(by);
    const rows = await this.#db.all(this.#db.sql.jobsExtend, [id, token, until], {
      idempotent: true,
    });
    if (rows.length === 0) throw new LeaseLostError(delivery.receipt);
    delivery.leaseExpiresAt = until;
    this.#ledger.extended(delivery);
  }

  /** Copy and delete in one transaction. */
  async #deadLetter(
    delivery: Delivery,
    reason: string,
    meta: Record<string, JsonValue>,
  ): Promise<void> {
    const { id, token } = parseReceipt(delivery.receipt);
    const sql = this.#db.sql;
    await this.#db.atomic([
      {
        query: sql.dlqInsertHeld,
        params: [
          id,
          token,
          delivery.queue,
          delivery.envelope.id,
          encodeEnvelope(delivery.envelope),
          reason,
          JSON.stringify(meta),
          this.#clock.now(),
        ],
      },
      { query: sql.jobsDeleteOne, params: [id, token] },
    ]);
  }

  /** Lists dead letters newest first. */
  async listDeadLetters(
    queue: string,
    options: { limit?: number; offset?: number } = {},
  ): Promise<DeadLetterPage> {
    const window = deadLetterWindow(options);
    if (window.limit === 0) return { entries: [], nextOffset: null };
    const rows = await this.#db.all<DeadLetterRow>(this.#db.sql.dlqList, [
      queue,
      window.limit + 1,
      window.offset,
    ], { idempotent: true });
    return deadLetterPage(rows.map(toDeadLetter), window, window.offset);
  }

  /** Finds the newest dead letter of a task. */
  async getDeadLetter(queue: string, id: string): Promise<DeadLetterEntry | null> {
    const [row] = await this.#db.all<DeadLetterRow>(this.#db.sql.dlqGet, [queue, id], {
      idempotent: true,
    });
    return row ? toDeadLetter(row) : null;
  }

  /** Re-publishes dead letters oldest first, attempt reset, in one transaction. */
  async replayDeadLetters(queue: string, options: ReplayOptions = {}): Promise<ReplayResult> {
    const limit = Math.max(0, options.limit ?? 50);
    const params = [queue, options.since ?? 0, limit];
    const sql = this.#db.sql;
    if (options.dryRun) {
      const rows = await this.#db.all<DeadLetterRow>(sql.dlqSelect, params, { idempotent: true });
      return { entries: rows.map(toDeadLetter), dryRun: true };
    }
    const delayMs = toMillisOrUndefined(options.delay);
    let taken: DeadLetterEntry[] = [];
    await this.#db.atomic<DeadLetterRow & { id: number }>(
      [{ query: sql.dlqTake, params }],
      ([rows]) => {
        rows.sort((a, b) => Number(a.dead_at) - Number(b.dead_at) || Number(a.id) - Number(b.id));
        taken = rows.map(toDeadLetter);
        const now = this.#clock.now();
        const envelopes = taken.map((e) => replayedEnvelope(e.envelope, now, delayMs));
        if (envelopes.length === 0) return {};
        return { many: { query: sql.jobsInsert, rows: envelopes.map((e) => insertRow(e, now)) } };
      },
    );
    this.#wake.published([queue]);
    return { entries: taken, dryRun: false };
  }

  /** Deletes dead letters newest first; returns how many. */
  purgeDeadLetters(
    queue: string,
    options: { since?: number; limit?: number } = {},
  ): Promise<number> {
    const limit = Math.max(0, options.limit ?? Number.MAX_SAFE_INTEGER);
    return this.#db.run(this.#db.sql.dlqPurge, [queue, options.since ?? 0, limit]);
  }

  /** Deletes dead letters older than `retention`; returns how many. */
  pruneDeadLetters(retention: Duration): Promise<number> {
    return this.#db.run(this.#db.sql.dlqRetention, [this.#clock.now() - toMillis(retention)]);
  }

  /** Deletes pending and delayed messages of a queue; returns how many. */
  purge(queue: string): Promise<number> {
    return this.#db.run(this.#db.sql.jobsPurge, [queue, this.#clock.now()]);
  }

  /** Counts messages of a queue by state. */
  async counts(queue: string): Promise<QueueCounts> {
    const [row] = await this.#db.all(this.#db.sql.jobsCounts, [queue, this.#clock.now()], {
      idempotent: true,
    });
    return {
      pending: Number(row.pending),
      inflight: Number(row.inflight),
      delayed: Number(row.delayed),
      dead: Number(row.dead),
    };
  }

  /** Ends consumers and stops listening; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ledger.wakeAll();
    await this.#wake.close();
    await this.#onClose();
  }

  async #deleteRows(items: { id: number; token: number }[]): Promise<void[]> {
    const rows = items.map((i) => [i.id, i.token]);
    await this.#db.many(this.#db.sql.jobsDelete, rows, [], { idempotent: true });
    return items.map(() => undefined);
  }

  async #insert(envelopes: Envelope[]): Promise<void[]> {
    if (envelopes.length === 0) return [];
    const now = this.#clock.now();
    await this.#db.many(this.#db.sql.jobsInsert, envelopes.map((e) => insertRow(e, now)));
    this.#wake.published(new Set(envelopes.map((e) => e.queue)));
    return envelopes.map(() => undefined);
  }
}
