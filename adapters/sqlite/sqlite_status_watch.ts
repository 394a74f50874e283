import { callWatcher } from "../../src/backend/watch_hub.ts";
import type { Unwatch } from "../../src/backend/status_store.ts";
import type { TaskStatus } from "../../src/backend/task_status.ts";
import { type Clock, systemClock, type TimerHandle } from "../../src/core/clock.ts";
import type { SqlExecutor, StatusWatchSource, WrittenStatus } from "../_sql/executor.ts";
import { type StatusRow, toStatus } from "../_sql/status_rows.ts";
import { unrefTimer } from "../_sql/timers.ts";
import { SQL } from "./_sql.ts";

type Listener = (status: TaskStatus) => void;
interface Watched {
  listeners: Set<Listener>;
  version: number;
}

/**
 * Watches on SQLite: this process's writes reach watchers at once; other processes' writes are
 * found by polling the versions of the watched ids.
 */
export class SqliteStatusWatch implements StatusWatchSource {
  /** Other processes' writes are seen (by polling). */
  readonly crossProcess = true;
  readonly #db: SqlExecutor;
  readonly #clock: Clock;
  readonly #pollMs: number;
  readonly #watched = new Map<string, Watched>();
  #timer: TimerHandle | null = null;
  #closed = false;

  /** Polls every `pollMs` while something is watched. */
  constructor(db: SqlExecutor, options: { clock?: Clock; pollMs?: number } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#pollMs = options.pollMs ?? 100;
  }

  /** Calls `listener` with every later status of `id`. */
  async watch(id: string, listener: Listener): Promise<Unwatch> {
    let watched = this.#watched.get(id);
    if (!watched) {
      const [row] = await this.#db.all<{ version: number }>(SQL.resultsGet, [
        id,
        this.#clock.now(),
      ]);
      watched = this.#watched.get(id) ??
        { listeners: new Set(), version: row ? Number(row.version) : 0 };
      this.#watched.set(id, watched);
    }
    watched.listeners.add(listener);
    this.#schedule();
    const entry = watched;
    return () => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && this.#watched.get(id) === entry) this.#watched.delete(id);
      return Promise.resolve();
    };
  }

  /** Tells this process's watchers about its own writes. */
  written(items: WrittenStatus[]): void {
    for (const { status, row } of items) {
      const watched = this.#watched.get(status.id);
      if (!watched) continue;
      watched.version = Math.max(watched.version, Number(row.version ?? 0));
      for (const listener of [...watched.listeners]) callWatcher(listener, status);
    }
  }

  /** Nothing registered in the database. */
  cleanup(): Promise<number> {
    return Promise.resolve(0);
  }

  /** Stops polling. */
  close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#watched.clear();
    return Promise.resolve();
  }

  #schedule(): void {
    if (this.#timer !== null || this.#closed || this.#watched.size === 0) return;
    this.#timer = unrefTimer(this.#clock.setTimeout(() => {
      this.#timer = null;
      this.#poll().catch(() => {}).finally(() => this.#schedule());
    }, this.#pollMs));
  }

  async #poll(): Promise<void> {
    if (this.#closed || this.#watched.size === 0) return;
    const rows = await this.#db.all<StatusRow & { id: string; version: number }>(
      SQL.resultsVersions,
      [[...this.#watched.keys()], this.#clock.now()],
    );
    for (const row of rows) {
      const watched = this.#watched.get(row.id);
      if (!watched || Number(row.version) <= watched.version) continue;
      watched.version = Number(row.version);
      const status = toStatus(row);
      for (const listener of [...watched.listeners]) callWatcher(listener, status);
    }
  }
}
