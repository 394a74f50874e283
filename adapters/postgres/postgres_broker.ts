import {
  type Broker,
  type BrokerCapabilities,
  type ConsumeOptions,
  DEFAULT_VISIBILITY_TIMEOUT_MS,
  type Delivery,
  type NackOptions,
  type QueueCounts,
} from "../../src/broker/broker.ts";
import { deadLetterPage, deadLetterWindow } from "../../src/broker/dead_letter_paging.ts";
import type {
  DeadLetterEntry,
  DeadLetterPage,
  ReplayOptions,
  ReplayResult,
} from "../../src/broker/dead_letter_store.ts";
import { replayedEnvelope } from "../../src/core/dead_letters.ts";
import { type Duration, toMillis, toMillisOrUndefined } from "../../src/core/duration.ts";
import { encodeEnvelope, type Envelope, type JsonValue } from "../../src/core/envelope.ts";
import { LeaseLostError, type StemError } from "../../src/core/errors.ts";
import { SQL } from "./_sql.ts";
import { claimLoop, PrefetchLedger } from "../../src/broker/claim_loop.ts";
import { Coalescer } from "./coalescer.ts";
import { connectMigrated, type PostgresConnectOptions, type Sql } from "./connection.ts";
import { migrate } from "./migrate.ts";
import { Notifier } from "./notifier.ts";
import {
  type ClaimedRow,
  type DeadLetterRow,
  jobValues,
  parseReceipt,
  toDeadLetter,
  toDelivery,
} from "./rows.ts";

/** Options for {@link PostgresBroker.connect}. */
export interface PostgresBrokerOptions extends PostgresConnectOptions {
  /** Lease length when the envelope has no `visibilityTimeout`. @default "30s" */
  defaultVisibilityTimeout?: Duration;
  /** Fallback poll of an idle consumer (in case a NOTIFY was missed). @default "5s" */
  pollInterval?: Duration;
  /** Most messages leased in one claim. @default 100 */
  maxBatch?: number;
  /** Receives errors a consumer recovered from (lost connection...). @default console.warn */
  onError?: (error: StemError) => void;
}

type Row = Record<string, unknown>;
const PREPARED = { prepare: true } as const;

/**
 * A durable broker on PostgreSQL (postgres.js): messages are rows leased with
 * `FOR UPDATE SKIP LOCKED` in batches; idle consumers sleep on `LISTEN` with a slow fallback poll.
 *
 * @example
 * ```ts ignore
 * import { PostgresBroker } from "./postgres_broker.ts";
 * const broker = await PostgresBroker.connect("postgres://localhost/app");
 * await broker.close();
 * ```
 */
export class PostgresBroker implements Broker {
  /** Priorities, delays and wake-ups by NOTIFY; no broadcast. */
  readonly capabilities: BrokerCapabilities = {
    priority: true,
    delay: true,
    broadcast: false,
    blocking: true,
  };
  readonly #sql: Sql;
  readonly #ownsSql: boolean;
  readonly #channel: string;
  readonly #notifier: Notifier;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #maxBatch: number;
  readonly #onError: (error: StemError) => void;
  readonly #ledger = new PrefetchLedger();
  readonly #deletes: Coalescer<{ id: number; token: number }, void>;
  readonly #publishes: Coalescer<Envelope, void>;
  #closed = false;

  private constructor(sql: Sql, ownsSql: boolean, namespace: string, o: PostgresBrokerOptions) {
    this.#sql = sql;
    this.#ownsSql = ownsSql;
    this.#channel = `${namespace}_jobs`.toLowerCase();
    this.#notifier = new Notifier(sql, this.#channel);
    this.#leaseMs = toMillis(o.defaultVisibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT_MS);
    this.#pollMs = toMillis(o.pollInterval ?? 5_000);
    this.#maxBatch = o.maxBatch ?? 100;
    this.#onError = o.onError ?? ((e) => console.warn(`[stem] ${e.message}`));
    this.#deletes = new Coalescer((items) => this.#deleteRows(items), {
      maxConcurrent: 1,
      nextTick: true,
    });
    this.#publishes = new Coalescer((items) => this.#insert(items), {
      maxBatch: 500,
      maxConcurrent: 4,
    });
  }

  /** Connects, applies pending migrations (under an advisory lock) and returns the broker. */
  static async connect(url: string, options: PostgresBrokerOptions = {}): Promise<PostgresBroker> {
    const { sql, owned, namespace } = await connectMigrated(url, options, migrate);
    return new PostgresBroker(sql, owned, namespace, options);
  }

  /** Publishes one message (concurrent calls share one INSERT). */
  publish(envelope: Envelope): Promise<void> {
    return this.#publishes.push(envelope);
  }

  /** Publishes many messages in one INSERT per 5,000. */
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
    const single = queues.length === 1;
    return claimLoop({
      prefetch: Math.max(1, options.prefetch ?? 1),
      maxBatch: this.#maxBatch,
      signal: options.signal,
      isClosed: () => this.#closed,
      claim: async (limit) => {
        const now = Date.now();
        const rows = await this.#sql.unsafe(
          single ? SQL.jobsClaim : SQL.jobsClaimMany,
          [single ? queues[0] : queues, now, limit, this.#leaseMs],
          PREPARED,
        );
        return (rows as unknown as ClaimedRow[]).map((row) => toDelivery(row, now));
      },
      nextDue: async () => {
        const [row] = await this.#sql.unsafe(SQL.jobsNextDue, [queues, Date.now()], PREPARED);
        return row?.at == null ? null : Number(row.at);
      },
      subscribe: (wake) => this.#notifier.subscribe((queue) => wanted.has(queue) && wake(), wake),
      ready: () => this.#notifier.ready(),
      ledger: this.#ledger,
      release: (delivery) => this.nack(delivery, { requeue: true }),
      pollMin: this.#pollMs,
      pollMax: this.#pollMs,
      onError: (error) => this.#onError(error),
    });
  }

  /** Settles a delivery as done; its prefetch unit comes back however the call ends. */
  ack(delivery: Delivery): Promise<void> {
    return this.#ledger.settle(delivery, () => this.#ack(delivery));
  }

  /** Requeues (optionally replaced by a retry envelope) or drops a delivery. */
  nack(delivery: Delivery, options: NackOptions = {}): Promise<void> {
    return this.#ledger.settle(delivery, () => this.#nack(delivery, options));
  }

  /** Moves a delivery to its queue's dead letters. */
  deadLetter(
    delivery: Delivery,
    reason: string,
    meta: Record<string, JsonValue> = {},
  ): Promise<void> {
    return this.#ledger.settle(delivery, () => this.#deadLetter(delivery, reason, meta));
  }

  /** Settles a delivery as done (acks of concurrent callers share one DELETE). */
  async #ack(delivery: Delivery): Promise<void> {
    await this.#deletes.push(parseReceipt(delivery.receipt));
  }

  /** Requeues (optionally replaced by a retry envelope, atomically) or drops a delivery. */
  async #nack(delivery: Delivery, options: NackOptions): Promise<void> {
    if (options.requeue === false) return this.#ack(delivery);
    const { id, token } = parseReceipt(delivery.receipt);
    const next = options.envelope;
    const values = next ? jobValues(next, Date.now()) : null;
    await this.#sql.unsafe(SQL.jobsRequeue, [
      id,
      token,
      values?.visibleAt ?? Date.now(),
      values?.queue ?? null,
      values?.priority ?? null,
      values?.leaseMs ?? null,
      values?.envelope ?? null,
      this.#channel,
      values !== null,
    ], PREPARED);
  }

  /** Moves the lease deadline to now + `by`; throws LeaseLostError when no longer held. */
  async extendLease(delivery: Delivery, by: Duration): Promise<void> {
    const { id, token } = parseReceipt(delivery.receipt);
    const until = Date.now() + toMillis(by);
    const rows = await this.#sql.unsafe(SQL.jobsExtend, [id, token, until], PREPARED);
    if (rows.length === 0) throw new LeaseLostError(delivery.receipt);
    delivery.leaseExpiresAt = until;
    this.#ledger.extended(delivery);
  }

  /** Moves a delivery to its queue's dead letters in one statement (a stale receipt: no-op). */
  async #deadLetter(
    delivery: Delivery,
    reason: string,
    meta: Record<string, JsonValue>,
  ): Promise<void> {
    const { id, token } = parseReceipt(delivery.receipt);
    await this.#sql.unsafe(SQL.jobsDeadLetter, [
      id,
      token,
      delivery.queue,
      delivery.envelope.id,
      encodeEnvelope(delivery.envelope),
      reason,
      JSON.stringify(meta),
      Date.now(),
    ], PREPARED);
  }

  /** Lists dead letters newest first. */
  async listDeadLetters(
    queue: string,
    options: { limit?: number; offset?: number } = {},
  ): Promise<DeadLetterPage> {
    const window = deadLetterWindow(options);
    if (window.limit === 0) return { entries: [], nextOffset: null };
    const rows = await this.#sql.unsafe(
      SQL.dlqList,
      [queue, window.limit + 1, window.offset],
      PREPARED,
    );
    const page = deadLetterPage(rows as unknown as DeadLetterRow[], window, window.offset);
    return { entries: page.entries.map(toDeadLetter), nextOffset: page.nextOffset };
  }

  /** Finds the newest dead letter of a task. */
  async getDeadLetter(queue: string, id: string): Promise<DeadLetterEntry | null> {
    const [row] = await this.#sql.unsafe(SQL.dlqGet, [queue, id], PREPARED);
    return row ? toDeadLetter(row as unknown as DeadLetterRow) : null;
  }

  /** Re-publishes dead letters oldest first, attempt reset, in one transaction. */
  async replayDeadLetters(queue: string, options: ReplayOptions = {}): Promise<ReplayResult> {
    const limit = Math.max(0, options.limit ?? 50);
    const since = options.since ?? 0;
    if (options.dryRun) {
      const rows = await this.#sql.unsafe(SQL.dlqSelect, [queue, since, limit], PREPARED);
      return { entries: (rows as unknown as DeadLetterRow[]).map(toDeadLetter), dryRun: true };
    }
    const delayMs = toMillisOrUndefined(options.delay);
    const entries = await this.#sql.begin(async (tx) => {
      const rows = await tx.unsafe(SQL.dlqTake, [queue, since, limit], PREPARED);
      const taken = (rows as unknown as DeadLetterRow[]).map(toDeadLetter);
      const now = Date.now();
      const replayed = taken.map((e) => replayedEnvelope(e.envelope, now, delayMs));
      if (replayed.length > 0) await this.#insertWith(tx as unknown as Sql, replayed);
      return taken;
    });
    return { entries: entries as DeadLetterEntry[], dryRun: false };
  }

  /** Deletes dead letters newest first; returns how many. */
  async purgeDeadLetters(
    queue: string,
    options: { since?: number; limit?: number } = {},
  ): Promise<number> {
    const limit = options.limit ?? Number.MAX_SAFE_INTEGER;
    const result = await this.#sql.unsafe(
      SQL.dlqPurge,
      [queue, options.since ?? 0, Math.max(0, limit)],
      PREPARED,
    );
    return result.count;
  }

  /** Deletes pending and delayed messages of a queue; returns how many. */
  async purge(queue: string): Promise<number> {
    const result = await this.#sql.unsafe(SQL.jobsPurge, [queue, Date.now()], PREPARED);
    return result.count;
  }

  /** Counts messages of a queue by state. */
  async counts(queue: string): Promise<QueueCounts> {
    const [row] = await this.#sql.unsafe(SQL.jobsCounts, [queue, Date.now()], PREPARED);
    return {
      pending: Number(row.pending),
      inflight: Number(row.inflight),
      delayed: Number(row.delayed),
      dead: Number(row.dead),
    };
  }

  /** Deletes dead letters older than `retention`; returns how many. */
  async pruneDeadLetters(retention: Duration): Promise<number> {
    const cutoff = Date.now() - toMillis(retention);
    return (await this.#sql.unsafe(SQL.dlqRetention, [cutoff], PREPARED)).count;
  }

  /** The postgres.js client (for tests and maintenance). */
  get sql(): Sql {
    return this.#sql;
  }

  /** Ends consumers, stops listening and closes the pool (unless it was passed in). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#ledger.wakeAll();
    await this.#notifier.close();
    if (this.#ownsSql) await this.#sql.end({ timeout: 5 });
  }

  async #deleteRows(items: { id: number; token: number }[]): Promise<void[]> {
    await this.#sql.unsafe(
      SQL.jobsDelete,
      [items.map((i) => i.id), items.map((i) => i.token)],
      PREPARED,
    );
    return items.map(() => undefined);
  }

  async #insert(envelopes: Envelope[]): Promise<void[]> {
    await this.#insertWith(this.#sql, envelopes);
    return envelopes.map(() => undefined);
  }

  async #insertWith(sql: Sql, envelopes: Envelope[]): Promise<void> {
    if (envelopes.length === 0) return;
    const now = Date.now();
    const rows = envelopes.map((e) => jobValues(e, now));
    await sql.unsafe(SQL.jobsPublish, [
      rows.map((r) => r.queue),
      rows.map((r) => r.taskId),
      rows.map((r) => r.priority),
      rows.map((r) => r.visibleAt),
      rows.map((r) => r.leaseMs),
      rows.map((r) => r.envelope),
      this.#channel,
    ], PREPARED);
  }
}
