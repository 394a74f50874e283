import { type Clock, systemClock } from "../../src/core/clock.ts";
import { pollScheduleChanges } from "../../src/scheduler/poll_changes.ts";
import { ScheduleVersionError } from "../../src/scheduler/schedule_error.ts";
import type { ScheduleEntry, ScheduleEntryInput } from "../../src/scheduler/schedule_entry.ts";
import type {
  ScheduleRun,
  ScheduleStore,
  UpsertOptions,
} from "../../src/scheduler/schedule_store.ts";
import type { SqlExecutor, SqlParam } from "./executor.ts";

/** How a dialect tells Beats in other processes that entries changed. */
export interface ScheduleChangeSource {
  /** Tells the other processes (after an upsert or remove). */
  changed(id: string): Promise<void>;
  /** Calls `listener` on other processes' changes; resolves with the unsubscriber once active. */
  subscribe(listener: () => void): Promise<() => Promise<void>>;
}

/** Options of {@link SqlScheduleStore}. */
export interface SqlScheduleStoreOptions {
  /** Time source of claim leases. @default systemClock */
  clock?: Clock;
  /**
   * Change notifications (Postgres LISTEN/NOTIFY). Without one, `watchChanges` polls the due
   * index every `pollChangesMs` and wakes Beat when the earliest fire changes.
   */
  changes?: ScheduleChangeSource;
  /** Poll interval of `watchChanges` without a change source, ms. @default 250 */
  pollChangesMs?: number;
}

interface EntryRow {
  id: string;
  input: string;
  enabled: number | string;
  version: number | string;
  next_run_at: number | string | null;
  last_run_at: number | string | null;
  total_run_count: number | string;
  last_error: string | null;
  last_error_at: number | string | null;
  last_drift_ms: number | string | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function entry(row: EntryRow): ScheduleEntry {
  return {
    ...(JSON.parse(row.input) as ScheduleEntryInput),
    version: Number(row.version),
    nextRunAt: num(row.next_run_at),
    lastRunAt: num(row.last_run_at),
    totalRunCount: Number(row.total_run_count),
    lastError: row.last_error,
    lastErrorAt: num(row.last_error_at),
    lastDriftMs: num(row.last_drift_ms),
  };
}

/**
 * `ScheduleStore` on the shared SQL layer (Postgres and SQLite, migration 0005): one row per entry
 * with its history and claim in columns and a partial index on `next_run_at`, so `claimDue` is a
 * single `UPDATE … WHERE id IN (SELECT … ORDER BY next_run_at LIMIT n FOR UPDATE SKIP LOCKED)`
 * and `nextDue` one index read — no scan per fire.
 */
export class SqlScheduleStore implements ScheduleStore {
  readonly #db: SqlExecutor;
  readonly #clock: Clock;
  readonly #options: SqlScheduleStoreOptions;

  /** Wraps an executor whose database has migration 0005. */
  constructor(db: SqlExecutor, options: SqlScheduleStoreOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#options = options;
  }

  /** Creates or replaces an entry, keeping its history; refuses a stale `expectedVersion`. */
  async upsert(input: ScheduleEntryInput, options: UpsertOptions = {}): Promise<ScheduleEntry> {
    const expected = options.expectedVersion;
    const setNext = options.nextRunAt !== undefined;
    const params: SqlParam[] = [
      input.id,
      JSON.stringify(input),
      input.enabled === false ? 0 : 1,
      expected === undefined ? null : expected,
      setNext ? 1 : 0,
      setNext ? options.nextRunAt ?? null : null,
      this.#clock.now(),
    ];
    // A new entry is created only without a version or at 0 (nothing stored yet).
    const query = expected === undefined || expected === 0
      ? this.#db.sql.schedUpsert
      : this.#db.sql.schedUpdate;
    const [row] = await this.#db.all<EntryRow>(query, params);
    if (!row) {
      const current = await this.get(input.id);
      throw new ScheduleVersionError(input.id, expected ?? 0, current?.version ?? 0);
    }
    await this.#options.changes?.changed(input.id);
    return entry(row);
  }

  /** One entry, or null. */
  async get(id: string): Promise<ScheduleEntry | null> {
    const [row] = await this.#db.all<EntryRow>(this.#db.sql.schedGet, [id], { idempotent: true });
    return row ? entry(row) : null;
  }

  /** Every entry, by id. */
  async list(): Promise<ScheduleEntry[]> {
    const rows = await this.#db.all<EntryRow>(this.#db.sql.schedList, [], { idempotent: true });
    return rows.map(entry);
  }

  /** Deletes an entry and its claim. */
  async remove(id: string): Promise<boolean> {
    const rows = await this.#db.all(this.#db.sql.schedRemove, [id], { idempotent: true });
    if (rows.length > 0) await this.#options.changes?.changed(id);
    return rows.length > 0;
  }

  /** Claims due entries in one statement, earliest first; claims another owner holds are skipped. */
  async claimDue(
    now: number,
    limit: number,
    owner: string,
    leaseMs: number,
  ): Promise<ScheduleEntry[]> {
    const at = this.#clock.now();
    const rows = await this.#db.all<EntryRow>(this.#db.sql.schedClaim, [
      now,
      limit,
      owner,
      at + Math.max(1, leaseMs),
      at,
    ]);
    return rows.map(entry).sort((a, b) => a.nextRunAt! - b.nextRunAt!);
  }

  /** Records a dispatch, moves `nextRunAt` on and releases `owner`'s claim. */
  async recordRun(id: string, owner: string, run: ScheduleRun): Promise<ScheduleEntry | null> {
    const [row] = await this.#db.all<EntryRow>(this.#db.sql.schedRecord, [
      id,
      owner,
      run.nextRunAt,
      run.error ?? null,
      run.fireAt,
      run.count ?? 1,
      run.publishedAt - run.fireAt,
      run.publishedAt,
    ]);
    return row ? entry(row) : null;
  }

  /** Gives `owner`'s claim back without recording a run. */
  async release(id: string, owner: string): Promise<void> {
    await this.#db.run(this.#db.sql.schedRelease, [id, owner], { idempotent: true });
  }

  /** The earliest `nextRunAt` of enabled entries (one read of the due index). */
  async nextDue(): Promise<number | null> {
    const [row] = await this.#db.all<{ next: number | string | null }>(
      this.#db.sql.schedNextDue,
      [],
      { idempotent: true },
    );
    return row ? num(row.next) : null;
  }

  /**
   * Wakes `listener` on other processes' changes: through the change source when there is one,
   * else by polling the due index and waking when the earliest fire changes.
   */
  async watchChanges(listener: () => void): Promise<() => Promise<void>> {
    if (this.#options.changes) return await this.#options.changes.subscribe(listener);
    const every = this.#options.pollChangesMs ?? 250;
    return await pollScheduleChanges(() => this.nextDue(), this.#clock, every, listener);
  }
}
