import { KvValueError } from "../../src/kv/kv_value_error.ts";
import { type Clock, systemClock } from "../../src/core/clock.ts";
import { toMillis } from "../../src/core/duration.ts";
import type {
  AtomicKv,
  AtomicKvCapabilities,
  KvEntry,
  KvWriteOptions,
} from "../../src/kv/atomic_kv.ts";
import type { SqlExecutor } from "./executor.ts";

/**
 * The AtomicKv primitive in one SQL table: each operation is one statement (atomic on its own),
 * a TTL is an `expires_at` column, expired rows read as absent and the periodic cleanup deletes
 * them. TTLs are stamped with the injected clock (so a fake clock drives them); `now()` is the
 * server's clock where the database has one (Postgres).
 */
export class SqlKv implements AtomicKv {
  /** `serverTime` when the executor reads the server's clock. */
  readonly capabilities: AtomicKvCapabilities;
  readonly #db: SqlExecutor;
  readonly #clock: Clock;

  /** Wraps an executor. */
  constructor(db: SqlExecutor, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.capabilities = { serverTime: db.serverClock };
  }

  /** Reads a live value; null when absent or expired. */
  async get(key: string): Promise<string | null> {
    const [row] = await this.#db.all<{ value: string }>(this.#db.sql.kvGet, [key, this.#now()], {
      idempotent: true,
    });
    return row ? String(row.value) : null;
  }

  /** Writes unconditionally. */
  async set(key: string, value: string, options: KvWriteOptions = {}): Promise<void> {
    await this.#db.run(this.#db.sql.kvSet, [key, value, this.#expiry(options)], {
      idempotent: true,
    });
  }

  /** Writes only when the key is absent or expired; true when it wrote. */
  async setIfAbsent(key: string, value: string, options: KvWriteOptions = {}): Promise<boolean> {
    const rows = await this.#db.all(this.#db.sql.kvSetIfAbsent, [
      key,
      value,
      this.#expiry(options),
      this.#now(),
    ]);
    return rows.length === 1;
  }

  /** Writes only when the live value equals `expected`; true when it wrote. */
  async compareAndSet(
    key: string,
    expected: string,
    value: string,
    options: KvWriteOptions = {},
  ): Promise<boolean> {
    const rows = await this.#db.all(this.#db.sql.kvCompareAndSet, [
      key,
      expected,
      value,
      this.#expiry(options),
      this.#now(),
    ]);
    return rows.length === 1;
  }

  /** Deletes only when the live value equals `expected`; true when it deleted. */
  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    const rows = await this.#db.all(this.#db.sql.kvCompareAndDelete, [key, expected, this.#now()]);
    return rows.length === 1;
  }

  /** Deletes a key; true when a live key was removed. */
  async delete(key: string): Promise<boolean> {
    const [row] = await this.#db.all<{ live: number }>(this.#db.sql.kvDelete, [key, this.#now()]);
    return row !== undefined && Number(row.live) === 1;
  }

  /** Adds `by` (absent counts as 0) and returns the new value; the TTL applies on creation. */
  async increment(key: string, by = 1, options: KvWriteOptions = {}): Promise<number> {
    if (!Number.isSafeInteger(by)) throw new RangeError(`increment by ${by}: use a safe integer.`);
    const [row] = await this.#db.all<{ value: string }>(this.#db.sql.kvIncrement, [
      key,
      by,
      this.#expiry(options),
      this.#now(),
    ]);
    if (!row) throw new KvValueError(key);
    return Number(row.value);
  }

  /** Live entries whose key starts with `prefix`, in key order. */
  async list(
    prefix: string,
    options: { limit?: number; after?: string } = {},
  ): Promise<KvEntry[]> {
    const rows = await this.#db.all<{ key: string; value: string; expires_at: number | null }>(
      this.#db.sql.kvList,
      [prefix, this.#now(), Math.max(0, options.limit ?? 1000), options.after ?? ""],
      { idempotent: true },
    );
    return rows.map((r) => ({
      key: String(r.key),
      value: String(r.value),
      expiresAt: r.expires_at === null ? null : Number(r.expires_at),
    }));
  }

  /** The server's clock where there is one, else the injected clock. */
  now(): Promise<number> {
    return this.#db.serverNow() ?? Promise.resolve(this.#clock.now());
  }

  /** Deletes expired keys now; returns how many. */
  cleanup(): Promise<number> {
    return this.#db.run(this.#db.sql.cleanupKv, [this.#now()]);
  }

  #now(): number {
    return this.#clock.now();
  }

  #expiry(options: KvWriteOptions): number | null {
    return options.ttl === undefined ? null : this.#now() + toMillis(options.ttl);
  }
}
