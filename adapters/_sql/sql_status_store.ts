import {
  DEFAULT_RESULT_TTL_MS,
  type SetStatusOptions,
  type StatusStore,
  type StatusStoreCapabilities,
  type TaskStatusQuery,
  type Unwatch,
} from "../../src/backend/status_store.ts";
import type { TaskStatus, TaskStatusInput } from "../../src/backend/task_status.ts";
import { type Clock, systemClock } from "../../src/core/clock.ts";
import { type Duration, toMillis } from "../../src/core/duration.ts";
import { Batcher } from "../../src/broker/batcher.ts";
import type { Broker, Delivery } from "../../src/broker/broker.ts";
import type { SqlExecutor, SqlParam, SqlRow, StatusWatchSource } from "./executor.ts";
import { SqlBroker } from "./sql_broker.ts";
import { statusDocument, type StatusRow, toStatus } from "./status_rows.ts";

/** Options of {@link SqlStatusStore}. */
export interface SqlStatusStoreOptions {
  /** Lifetime of statuses. @default "1d" */
  defaultTtl?: Duration;
  /** Time source of TTLs and timestamps. @default systemClock */
  clock?: Clock;
}

/** A status write waiting for its batch: encoded already, so a bad value never joins one. */
interface PendingWrite {
  input: TaskStatusInput;
  doc: string;
  ttl: number;
}

/** A final status waiting for its settle batch, with the job it acks. */
interface PendingSettle extends PendingWrite {
  job: { id: number; token: number };
}

/** Splits writes into consecutive runs with distinct task ids (one upsert may touch a row once). */
function distinctRuns<T extends PendingWrite>(items: T[]): T[][] {
  const runs: T[][] = [[]];
  let ids = new Set<string>();
  for (const item of items) {
    if (ids.has(item.input.id)) {
      runs.push([]);
      ids = new Set();
    }
    ids.add(item.input.id);
    runs[runs.length - 1].push(item);
  }
  return runs;
}

/**
 * The status a write stored, built from its input (what the Redis backend returns) instead of
 * parsing the document just encoded: one JSON.parse less per write on the hot path.
 */
function writtenStatus(input: TaskStatusInput, createdAt: number, updatedAt: number): TaskStatus {
  const { createdAt: _c, updatedAt: _u, ...times } = input.timestamps ?? {};
  return { ...input, timestamps: { ...times, createdAt, updatedAt } } as TaskStatus;
}

const queueOf = (input: TaskStatusInput): string | null =>
  typeof input.meta?.queue === "string" ? input.meta.queue : null;

/**
 * Task statuses in SQL with TTLs (an `expires_at` column; reads ignore expired rows). Writes made
 * together share one statement (Postgres) or one transaction (SQLite); watchers are told by the
 * dialect's watch source.
 */
export class SqlStatusStore implements StatusStore {
  /** `crossProcessWatch` from the watch source. */
  readonly capabilities: StatusStoreCapabilities;
  readonly #db: SqlExecutor;
  readonly #watch: StatusWatchSource;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #writes: Batcher<PendingWrite, TaskStatus>;
  readonly #settles: Batcher<PendingSettle, TaskStatus>;
  readonly #creates: Batcher<PendingWrite, boolean>;
  /** The dialect's one-statement settle (Postgres), when it has one. */
  readonly #settleQuery: string | undefined;

  /** Wraps an executor and a watch source. */
  constructor(db: SqlExecutor, watch: StatusWatchSource, options: SqlStatusStoreOptions = {}) {
    this.#db = db;
    this.#watch = watch;
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = toMillis(options.defaultTtl ?? DEFAULT_RESULT_TTL_MS);
    this.capabilities = { crossProcessWatch: watch.crossProcess };
    this.#writes = new Batcher((items) => this.#write(items), { maxBatch: 500, maxConcurrent: 2 });
    this.#settles = new Batcher((items) => this.#settle(items), {
      maxBatch: 500,
      maxConcurrent: 2,
    });
    // A producer's `queued` records, one per enqueue, share a statement like the worker's writes.
    this.#creates = new Batcher((items) => this.#create(items), {
      maxBatch: 500,
      maxConcurrent: 2,
    });
    this.#settleQuery = (db.sql as { resultsSetAndAck?: string }).resultsSetAndAck;
  }

  /**
   * Writes a status (keeping `createdAt`) and notifies watchers. Concurrent writes share one
   * statement; a value JSON cannot hold rejects with `payload-encode-failed` and writes nothing.
   */
  set(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<TaskStatus> {
    let doc: string;
    try {
      doc = statusDocument(input, this.#clock.now());
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#writes.add({ input, doc, ttl: this.#ttl(options) });
  }

  /**
   * Writes a final status and acks `delivery` in one statement shared by concurrent settles, when
   * the dialect has one (Postgres) and `broker` runs on this store's executor; null otherwise.
   */
  setAndAck(
    input: TaskStatusInput,
    options: SetStatusOptions,
    broker: Broker,
    delivery: Delivery,
  ): Promise<TaskStatus> | null {
    if (!this.#settleQuery || !(broker instanceof SqlBroker)) return null;
    let doc: string;
    try {
      doc = statusDocument(input, this.#clock.now());
    } catch (error) {
      return Promise.reject(error);
    }
    let status!: TaskStatus;
    const ttl = this.#ttl(options);
    const settled = broker.settleWith(this.#db, delivery, async (job) => {
      status = await this.#settles.add({ input, doc, ttl, job });
    });
    return settled && settled.then(() => status);
  }

  /**
   * Writes the status only if no live record has its id; false when one exists. Concurrent
   * creates share one statement.
   */
  create(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<boolean> {
    let doc: string;
    try {
      doc = statusDocument(input, this.#clock.now());
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#creates.add({ input, doc, ttl: this.#ttl(options) });
  }

  /** Reads a live status. */
  async get(id: string): Promise<TaskStatus | null> {
    const [row] = await this.#db.all<StatusRow>(this.#db.sql.resultsGet, [
      id,
      this.#clock.now(),
    ], { idempotent: true });
    return row ? toStatus(row) : null;
  }

  /** Calls `listener` on every later write of `id` (other processes: as the dialect allows). */
  watch(id: string, listener: (status: TaskStatus) => void): Promise<Unwatch> {
    return this.#watch.watch(id, listener);
  }

  /** Resets the TTL of a status from now. */
  async expire(id: string, ttl: Duration): Promise<void> {
    await this.#db.run(this.#db.sql.resultsExpire, [id, this.#clock.now() + toMillis(ttl)], {
      idempotent: true,
    });
  }

  /** Lists live statuses, newest update first. */
  async listTaskStatuses(query: TaskStatusQuery = {}): Promise<TaskStatus[]> {
    const rows = await this.#db.all<StatusRow>(this.#db.sql.resultsList, [
      this.#clock.now(),
      query.state ?? null,
      query.queue ?? null,
      query.limit ?? 50,
      query.offset ?? 0,
    ], { idempotent: true });
    return rows.map(toStatus);
  }

  /** Deletes expired statuses now; returns how many. */
  async cleanup(): Promise<number> {
    return await this.#db.run(this.#db.sql.cleanupResults, [this.#clock.now()]) +
      await this.#watch.cleanup(this.#clock.now());
  }

  /** Stops watching. */
  close(): Promise<void> {
    return this.#watch.close();
  }

  #ttl(options: SetStatusOptions): number {
    return options.ttl === undefined ? this.#ttlMs : toMillis(options.ttl);
  }

  async #write(items: PendingWrite[]): Promise<TaskStatus[]> {
    const out: TaskStatus[] = [];
    for (const run of distinctRuns(items)) out.push(...await this.#upsert(run));
    return out;
  }

  async #settle(items: PendingSettle[]): Promise<TaskStatus[]> {
    const out: TaskStatus[] = [];
    for (const run of distinctRuns(items)) out.push(...await this.#upsert(run, true));
    return out;
  }

  async #create(items: PendingWrite[]): Promise<boolean[]> {
    const out: boolean[] = [];
    // A second create of an id in one batch runs after the first, and finds its live record.
    for (const run of distinctRuns(items)) {
      const now = this.#clock.now();
      const params = run.map((i): SqlParam[] => [
        i.input.id,
        i.input.state,
        queueOf(i.input),
        i.doc,
        now + i.ttl,
      ]);
      const rows = await this.#db.many(this.#db.sql.resultsCreate, params, [now]);
      const byId = new Map<string, SqlRow>(rows.map((r) => [String(r.id), r]));
      const written: { status: TaskStatus; row: SqlRow }[] = [];
      for (const item of run) {
        const row = byId.get(item.input.id);
        out.push(row !== undefined);
        if (row) written.push({ status: writtenStatus(item.input, now, now), row });
      }
      if (written.length > 0) this.#watch.written(written);
    }
    return out;
  }

  async #upsert(items: PendingWrite[] | PendingSettle[], ack = false): Promise<TaskStatus[]> {
    const now = this.#clock.now();
    const params: SqlParam[][] = items.map((i) => {
      const row: SqlParam[] = [i.input.id, i.input.state, queueOf(i.input), i.doc, now + i.ttl];
      if (ack) row.push((i as PendingSettle).job.id, (i as PendingSettle).job.token);
      return row;
    });
    const query = ack ? this.#settleQuery! : this.#db.sql.resultsSet;
    const rows = await this.#db.many(query, params, [now], { idempotent: true });
    const byId = new Map<string, SqlRow>(rows.map((r) => [String(r.id), r]));
    const written = items.map((item) => {
      const row = byId.get(item.input.id) ?? { created_at: now };
      const created = Number(row.created_at);
      return { status: writtenStatus(item.input, created, now), row };
    });
    this.#watch.written(written);
    return written.map((w) => w.status);
  }
}
