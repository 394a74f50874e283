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
import { claimLoop, PrefetchLedger } from "../../src/broker/claim_loop.ts";
import { Batcher } from "../../src/broker/batcher.ts";
import {
  type ClaimedRow,
  type DeadLetterRow,
  jobValues,
  parseReceipt,
  toDeadLetter,
  toDelivery,
} from "../postgres/rows.ts";
import { SQL } from "./_sql.ts";
import type { SqliteDriver } from "./driver.ts";
import { openDatabase, type SqliteOpenOptions } from "./open_database.ts";

/** Options for {@link SqliteBroker.open}. */
export interface SqliteBrokerOptions extends SqliteOpenOptions {
  /** Lease length when the envelope has no `visibilityTimeout`. @default "30s" */
  defaultVisibilityTimeout?: Duration;
  /** First idle poll; doubles while idle. @default "20ms" */
  pollMin?: Duration;
  /** Longest idle poll (other processes' messages are seen within this). @default "1s" */
  pollMax?: Duration;
  /** Most messages leased in one claim. @default 100 */
  maxBatch?: number;
  /** Receives errors a consumer recovered from. @default console.warn */
  onError?: (error: StemError) => void;
}

/**
 * A durable broker in one SQLite file (WAL). Several processes can share the file: claims run
 * in BEGIN IMMEDIATE transactions, so a message is leased to one consumer at a time. Idle
 * consumers poll with back-off (`pollMin` doubling to `pollMax`); publishes in the same process
 * wake them at once.
 *
 * @example
 * ```ts ignore
 * import { SqliteBroker } from "./sqlite_broker.ts";
 * const broker = await SqliteBroker.open("./stem.db");
 * await broker.close();
 * ```
 */
export class SqliteBroker implements Broker {
  /** Priorities and delays; no broadcast; consumers poll across processes. */
  readonly capabilities: BrokerCapabilities = {
    priority: true,
    delay: true,
    broadcast: false,
    blocking: false,
  };
  readonly #db: SqliteDriver;
  readonly #leaseMs: number;
  readonly #pollMin: number;
  readonly #pollMax: number;
  readonly #maxBatch: number;
  readonly #onError: (error: StemError) => void;
  readonly #ledger = new PrefetchLedger();
  readonly #listeners = new Map<() => void, Set<string>>();
  readonly #acks: Batcher<{ id: number; token: number }, void>;
  #closed = false;

  private constructor(db: SqliteDriver, o: SqliteBrokerOptions) {
    this.#db = db;
    this.#acks = new Batcher<{ id: number; token: number }, void>((items) => {
      this.#db.transaction(() => {
        for (const { id, token } of items) this.#db.run(SQL.jobsDelete, [id, token]);
      });
      return Promise.resolve(items.map(() => undefined));
    }, { maxBatch: 1_000, maxConcurrent: 1 });
    this.#leaseMs = toMillis(o.defaultVisibilityTimeout ?? DEFAULT_VISIBILITY_TIMEOUT_MS);
    this.#pollMin = toMillis(o.pollMin ?? 20);
    this.#pollMax = toMillis(o.pollMax ?? 1_000);
    this.#maxBatch = o.maxBatch ?? 100;
    this.#onError = o.onError ?? ((e) => console.warn(`[stem] ${e.message}`));
  }

  /** Opens (creating and migrating) the database at `path` (`./stem.db` or `sqlite:./stem.db`). */
  static async open(path: string, options: SqliteBrokerOptions = {}): Promise<SqliteBroker> {
    return new SqliteBroker(await openDatabase(path, options), options);
  }

  /** Publishes one message. */
  publish(envelope: Envelope): Promise<void> {
    return this.publishMany([envelope]);
  }

  /** Publishes many messages in one transaction. */
  publishMany(envelopes: Envelope[]): Promise<void> {
    try {
      this.#insert(envelopes);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#wake(new Set(envelopes.map((e) => e.queue)));
    return Promise.resolve();
  }

  /** Yields leased deliveries until the signal aborts or the broker closes. */
  consume(options: ConsumeOptions): AsyncIterable<Delivery> {
    if (options.queues.length === 0) throw new RangeError("consume() needs at least one queue.");
    const queues = [...new Set(options.queues)];
    const queuesJson = JSON.stringify(queues);
    return claimLoop({
      prefetch: Math.max(1, options.prefetch ?? 1),
      maxBatch: this.#maxBatch,
      signal: options.signal,
      isClosed: () => this.#closed,
      claim: (limit) => Promise.resolve(this.#claim(queuesJson, limit)),
      nextDue: () => {
        const row = this.#db.get<{ at: number | null }>(SQL.jobsNextDue, [queuesJson, Date.now()]);
        return Promise.resolve(row?.at == null ? null : Number(row.at));
      },
      subscribe: (wake) => {
        this.#listeners.set(wake, new Set(queues));
        return () => this.#listeners.delete(wake);
      },
      ledger: this.#ledger,
      release: (delivery) => this.nack(delivery, { requeue: true }),
      pollMin: this.#pollMin,
      pollMax: this.#pollMax,
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

  /** Settles a delivery as done (acks made in the same tick share one transaction). */
  async #ack(delivery: Delivery): Promise<void> {
    await this.#acks.add(parseReceipt(delivery.receipt));
  }

  /** Requeues (optionally replaced by a retry envelope, atomically) or drops a delivery. */
  #nack(delivery: Delivery, options: NackOptions): Promise<void> {
    if (options.requeue === false) return this.#ack(delivery);
    const { id, token } = parseReceipt(delivery.receipt);
    const values = options.envelope ? jobValues(options.envelope, Date.now()) : null;
    const row = this.#db.get<{ queue: string }>(SQL.jobsRequeue, [
      id,
      token,
      values?.visibleAt ?? Date.now(),
      values?.queue ?? null,
      values?.priority ?? null,
      values?.leaseMs ?? null,
      values?.envelope ?? null,
      values ? 1 : 0,
    ]);
    if (row) this.#wake(new Set([row.queue]));
    return Promise.resolve();
  }

  /** Moves the lease deadline to now + `by`; throws LeaseLostError when no longer held. */
  extendLease(delivery: Delivery, by: Duration): Promise<void> {
    const { id, token } = parseReceipt(delivery.receipt);
    const until = Date.now() + toMillis(by);
    const row = this.#db.get(SQL.jobsExtend, [id, token, until]);
    if (!row) return Promise.reject(new LeaseLostError(delivery.receipt));
    delivery.leaseExpiresAt = until;
    this.#ledger.extended(delivery);
    return Promise.resolve();
  }

  /** Moves a delivery to its queue's dead letters in one transaction (a stale receipt: no-op). */
  #deadLetter(
    delivery: Delivery,
    reason: string,
    meta: Record<string, JsonValue>,
  ): Promise<void> {
    const { id, token } = parseReceipt(delivery.receipt);
    this.#db.transaction(() => {
      if (this.#db.run(SQL.jobsDelete, [id, token]).changes === 0) return;
      this.#db.run(SQL.dlqInsert, [
        delivery.queue,
        delivery.envelope.id,
        encodeEnvelope(delivery.envelope),
        reason,
        JSON.stringify(meta),
        Date.now(),
      ]);
    });
    return Promise.resolve();
  }

  /** Lists dead letters newest first. */
  listDeadLetters(
    queue: string,
    options: { limit?: number; offset?: number } = {},
  ): Promise<DeadLetterPage> {
    const window = deadLetterWindow(options);
    if (window.limit === 0) return Promise.resolve({ entries: [], nextOffset: null });
    const rows = this.#db.all<DeadLetterRow>(SQL.dlqList, [
      queue,
      window.limit + 1,
      window.offset,
    ]);
    const page = deadLetterPage(rows, window, window.offset);
    return Promise.resolve({
      entries: page.entries.map(toDeadLetter),
      nextOffset: page.nextOffset,
    });
  }

  /** Finds the newest dead letter of a task. */
  getDeadLetter(queue: string, id: string): Promise<DeadLetterEntry | null> {
    const row = this.#db.get<DeadLetterRow>(SQL.dlqGet, [queue, id]);
    return Promise.resolve(row ? toDeadLetter(row) : null);
  }

  /** Re-publishes dead letters oldest first, attempt reset, in one transaction. */
  replayDeadLetters(queue: string, options: ReplayOptions = {}): Promise<ReplayResult> {
    const limit = Math.max(0, options.limit ?? 50);
    const args = [queue, options.since ?? 0, limit];
    if (options.dryRun) {
      const rows = this.#db.all<DeadLetterRow>(SQL.dlqSelect, args);
      return Promise.resolve({ entries: rows.map(toDeadLetter), dryRun: true });
    }
    const delayMs = toMillisOrUndefined(options.delay);
    const entries = this.#db.transaction(() => {
      const rows = this.#db.all<DeadLetterRow & { id: number }>(SQL.dlqSelect, args);
      const now = Date.now();
      for (const row of rows) this.#db.run(SQL.dlqDelete, [row.id]);
      const taken = rows.map(toDeadLetter);
      this.#insertRows(taken.map((e) => replayedEnvelope(e.envelope, now, delayMs)));
      return taken;
    });
    this.#wake(new Set([queue]));
    return Promise.resolve({ entries, dryRun: false });
  }

  /** Deletes dead letters newest first; returns how many. */
  purgeDeadLetters(
    queue: string,
    options: { since?: number; limit?: number } = {},
  ): Promise<number> {
    const limit = Math.max(0, options.limit ?? Number.MAX_SAFE_INTEGER);
    return Promise.resolve(
      this.#db.run(SQL.dlqPurge, [queue, options.since ?? 0, limit]).changes,
    );
  }

  /** Deletes pending and delayed messages of a queue; returns how many. */
  purge(queue: string): Promise<number> {
    return Promise.resolve(this.#db.run(SQL.jobsPurge, [queue, Date.now()]).changes);
  }

  /** Counts messages of a queue by state. */
  counts(queue: string): Promise<QueueCounts> {
    const row = this.#db.get<Record<string, number>>(SQL.jobsCounts, [queue, Date.now()])!;
    return Promise.resolve({
      pending: Number(row.pending),
      inflight: Number(row.inflight),
      delayed: Number(row.delayed),
      dead: Number(row.dead),
    });
  }

  /** Ends consumers and closes the file. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    for (const wake of [...this.#listeners.keys()]) wake();
    this.#ledger.wakeAll();
    this.#db.close();
    return Promise.resolve();
  }

  #claim(queuesJson: string, limit: number): Delivery[] {
    const now = Date.now();
    const rows = this.#db.transaction(() =>
      this.#db.all<ClaimedRow & { priority: number }>(SQL.jobsClaim, [
        queuesJson,
        now,
        limit,
        this.#leaseMs,
      ])
    );
    rows.sort((a, b) => b.priority - a.priority || a.id - b.id);
    return rows.map((row) => toDelivery(row, now));
  }

  #insert(envelopes: Envelope[]): void {
    if (envelopes.length === 0) return;
    this.#db.transaction(() => this.#insertRows(envelopes));
  }

  #insertRows(envelopes: Envelope[]): void {
    const now = Date.now();
    for (const envelope of envelopes) {
      const v = jobValues(envelope, now);
      this.#db.run(SQL.jobsInsert, [
        v.queue,
        v.taskId,
        v.priority,
        v.visibleAt,
        v.leaseMs,
        v.envelope,
      ]);
    }
  }

  #wake(queues: Set<string>): void {
    for (const [wake, wanted] of this.#listeners) {
      for (const q of queues) {
        if (wanted.has(q)) {
          wake();
          break;
        }
      }
    }
  }
}
