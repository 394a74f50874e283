import { callWatcher } from "../../src/backend/watch_hub.ts";
import type { TaskStatus } from "../../src/backend/task_status.ts";
import type { Unwatch } from "../../src/backend/status_store.ts";
import { type Clock, systemClock, type TimerHandle } from "../../src/core/clock.ts";
import { uuidv7 } from "../../src/core/ids.ts";
import type {
  JobWakeSource,
  SqlExecutor,
  StatusWatchSource,
  WrittenStatus,
} from "../_sql/executor.ts";
import { toStatus } from "../_sql/status_rows.ts";
import { unrefTimer } from "../_sql/timers.ts";
import { SQL } from "./_sql.ts";
import type { Notifier } from "./notifier.ts";

/** Consumers sleep on LISTEN "<schema>_jobs"; jobs_insert.sql and jobs_requeue.sql NOTIFY it. */
export class PgJobWake implements JobWakeSource {
  /** Wake-ups cross processes. */
  readonly blocking = true;
  readonly #notifier: Notifier;

  /** Listens through `notifier` (on the jobs channel). */
  constructor(notifier: Notifier) {
    this.#notifier = notifier;
  }

  /** Wakes `wake` on a NOTIFY for one of `queues`, and after a reconnect (NOTIFYs were lost). */
  subscribe(queues: Set<string>, wake: () => void): () => void {
    return this.#notifier.subscribe((queue) => queues.has(queue) && wake(), wake);
  }

  /** Resolves once LISTEN is active. */
  ready(): Promise<void> {
    return this.#notifier.ready();
  }

  /** Nothing to do: the insert statement already notified. */
  published(): void {}

  /** Stops listening. */
  close(): Promise<void> {
    return this.#notifier.close();
  }
}

/** Watch registrations live this long and are refreshed at a third of it. */
const WATCH_TTL_MS = 30 * 60_000;

/**
 * Cross-process watches: a watched id is registered in stem_watchers, and status writes of
 * registered ids NOTIFY "<schema>_results" with the document (or just the id when too large).
 */
export class PgStatusWatch implements StatusWatchSource {
  /** Other processes' writes are seen. */
  readonly crossProcess = true;
  readonly #db: SqlExecutor;
  readonly #notifier: Notifier;
  readonly #clock: Clock;
  readonly #id = uuidv7();
  readonly #watchers = new Map<string, Set<(status: TaskStatus) => void>>();
  #unsubscribe: (() => void) | null = null;
  #timer: TimerHandle | null = null;
  #closed = false;

  /** Watches through `notifier` (on the results channel). */
  constructor(db: SqlExecutor, notifier: Notifier, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#notifier = notifier;
    this.#clock = options.clock ?? systemClock;
  }

  /** Registers the id and calls `listener` on every NOTIFY for it. */
  async watch(id: string, listener: (status: TaskStatus) => void): Promise<Unwatch> {
    this.#unsubscribe ??= this.#notifier.subscribe((payload) => this.#onNotify(payload));
    await this.#notifier.ready();
    this.#refreshLater();
    let set = this.#watchers.get(id);
    if (!set) {
      this.#watchers.set(id, set = new Set());
      await this.#db.run(SQL.watchersAdd, [id, this.#id, this.#clock.now() + WATCH_TTL_MS], {
        idempotent: true,
      });
    }
    set.add(listener);
    const entry = set;
    return async () => {
      entry.delete(listener);
      if (entry.size > 0 || this.#watchers.get(id) !== entry) return;
      this.#watchers.delete(id);
      if (!this.#closed) {
        await this.#db.run(SQL.watchersRemove, [id, this.#id], { idempotent: true });
      }
    };
  }

  /** Nothing to do: the write statement notified every watching process, this one too. */
  written(_items: WrittenStatus[]): void {}

  /** Deletes expired registrations (of processes that died). */
  cleanup(now: number): Promise<number> {
    return this.#db.run(SQL.watchersCleanup, [now]);
  }

  /** Removes this process's registrations and stops listening. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    const ids = [...this.#watchers.keys()];
    this.#watchers.clear();
    await Promise.all(
      ids.map((id) => this.#db.run(SQL.watchersRemove, [id, this.#id]).catch(() => 0)),
    );
    this.#unsubscribe?.();
    await this.#notifier.close();
  }

  #onNotify(payload: string): void {
    const first = payload.indexOf("\n");
    const id = first < 0 ? payload : payload.slice(0, first);
    const listeners = this.#watchers.get(id);
    if (!listeners) return;
    const emit = (status: TaskStatus | null) => {
      if (status) { for (const listener of [...listeners]) callWatcher(listener, status); }
    };
    if (first < 0) {
      this.#db.all(SQL.resultsGet, [id, this.#clock.now()], { idempotent: true })
        .then(([row]) => emit(row ? toStatus(row as never) : null), () => {});
      return;
    }
    const second = payload.indexOf("\n", first + 1);
    const createdAt = Number(payload.slice(first + 1, second));
    emit(toStatus({ status: payload.slice(second + 1), created_at: createdAt, updated_at: null }));
  }

  #refreshLater(): void {
    if (this.#timer !== null || this.#closed) return;
    this.#timer = unrefTimer(this.#clock.setTimeout(() => {
      this.#timer = null;
      if (this.#watchers.size === 0) return;
      const until = this.#clock.now() + WATCH_TTL_MS;
      const ids = [...this.#watchers.keys()];
      Promise.all(ids.map((id) => this.#db.run(SQL.watchersAdd, [id, this.#id, until])))
        .catch(() => {}).finally(() => this.#refreshLater());
    }, WATCH_TTL_MS / 3));
  }
}
