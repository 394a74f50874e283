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
/** Re-reads of a status that did not exist at registration: first gap, and the longest. */
const ABSENT_POLL_MIN_MS = 100;
const ABSENT_POLL_MAX_MS = 5_000;

/** One watched id in this process. */
interface Watched {
  readonly listeners: Set<(status: TaskStatus) => void>;
  /** The registration; later watchers of the id wait for it too. */
  registered: Promise<void>;
  /** updatedAt of the status last handed to the listeners (a re-read skips it when unchanged). */
  seen: number;
  /** Pending re-read while the status row did not exist at registration. */
  poll: TimerHandle | null;
}

/**
 * Cross-process watches: a watched id is registered in stem_watchers and marked on its status
 * row, and status writes of registered ids NOTIFY "<schema>_results" with the document (or just
 * the id when too large). The mark on the row orders a registration with a write in flight
 * (migration 0007), so a watcher's read after {@link watch} resolves, plus the notifications,
 * see every write. A status that did not exist at registration has no row to order on: it is
 * re-read with a back-off until it appears. After a reconnect (notifications were lost) every
 * watched id is read again.
 */
export class PgStatusWatch implements StatusWatchSource {
  /** Other processes' writes are seen. */
  readonly crossProcess = true;
  readonly #db: SqlExecutor;
  readonly #notifier: Notifier;
  readonly #clock: Clock;
  readonly #id = uuidv7();
  readonly #watchers = new Map<string, Watched>();
  #unsubscribe: (() => void) | null = null;
  #timer: TimerHandle | null = null;
  #closed = false;

  /** Watches through `notifier` (on the results channel). */
  constructor(db: SqlExecutor, notifier: Notifier, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#notifier = notifier;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Registers the id and calls `listener` on every later status of it. Once this resolves, a
   * write that committed before it is readable and every later write reaches the listener.
   */
  async watch(id: string, listener: (status: TaskStatus) => void): Promise<Unwatch> {
    this.#unsubscribe ??= this.#notifier.subscribe(
      (payload) => this.#onNotify(payload),
      () => this.#rereadAll(),
    );
    await this.#notifier.ready();
    this.#refreshLater();
    let entry = this.#watchers.get(id);
    if (!entry) {
      const created: Watched = {
        listeners: new Set(),
        registered: Promise.resolve(),
        seen: -Infinity,
        poll: null,
      };
      created.registered = this.#register(id, created);
      this.#watchers.set(id, created);
      entry = created;
    }
    const watched = entry;
    try {
      await watched.registered;
    } catch (error) {
      if (this.#watchers.get(id) === watched && watched.listeners.size === 0) {
        this.#watchers.delete(id);
      }
      throw error;
    }
    watched.listeners.add(listener);
    return async () => {
      watched.listeners.delete(listener);
      if (watched.listeners.size > 0 || this.#watchers.get(id) !== watched) return;
      this.#watchers.delete(id);
      this.#stopPoll(watched);
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
    for (const watched of this.#watchers.values()) this.#stopPoll(watched);
    this.#watchers.clear();
    await Promise.all(
      ids.map((id) => this.#db.run(SQL.watchersRemove, [id, this.#id]).catch(() => 0)),
    );
    this.#unsubscribe?.();
    await this.#notifier.close();
  }

  async #register(id: string, watched: Watched): Promise<void> {
    const [row] = await this.#db.all<{ found: number }>(
      SQL.watchersAdd,
      [id, this.#id, this.#clock.now() + WATCH_TTL_MS],
      { idempotent: true },
    );
    if (Number(row?.found ?? 0) === 0) this.#pollAbsent(id, watched, ABSENT_POLL_MIN_MS);
  }

  /**
   * A write that inserted the row while the registration ran may have judged it unwatched; the
   * row is read until it shows up, then notifications carry the rest (later writes see the
   * registration).
   */
  #pollAbsent(id: string, watched: Watched, delay: number): void {
    if (this.#closed) return;
    watched.poll = unrefTimer(this.#clock.setTimeout(() => {
      watched.poll = null;
      if (this.#watchers.get(id) !== watched || watched.seen !== -Infinity) return;
      this.#reread(id, watched).then(
        (found) => !found && this.#pollAbsent(id, watched, Math.min(delay * 2, ABSENT_POLL_MAX_MS)),
        () => this.#pollAbsent(id, watched, Math.min(delay * 2, ABSENT_POLL_MAX_MS)),
      );
    }, delay));
  }

  #stopPoll(watched: Watched): void {
    if (watched.poll !== null) this.#clock.clearTimeout(watched.poll);
    watched.poll = null;
  }

  /**
   * Reads the id's status and hands it out; unless `always` (a notification said it changed),
   * only when it is not the one the listeners last got.
   */
  async #reread(id: string, watched: Watched, always = false): Promise<boolean> {
    const [row] = await this.#db.all(SQL.resultsGet, [id, this.#clock.now()], {
      idempotent: true,
    });
    if (!row) return false;
    const status = toStatus(row as never);
    if (always || status.timestamps.updatedAt !== watched.seen) this.#emit(watched, status);
    return true;
  }

  #rereadAll(): void {
    for (const [id, watched] of this.#watchers) this.#reread(id, watched).catch(() => {});
  }

  /** Every notified status is handed out: writers' clocks differ, so no order is assumed. */
  #emit(watched: Watched, status: TaskStatus): void {
    watched.seen = status.timestamps.updatedAt;
    this.#stopPoll(watched);
    for (const listener of [...watched.listeners]) callWatcher(listener, status);
  }

  #onNotify(payload: string): void {
    const first = payload.indexOf("\n");
    const id = first < 0 ? payload : payload.slice(0, first);
    const watched = this.#watchers.get(id);
    if (!watched) return;
    if (first < 0) {
      this.#reread(id, watched, true).catch(() => {});
      return;
    }
    const second = payload.indexOf("\n", first + 1);
    const createdAt = Number(payload.slice(first + 1, second));
    this.#emit(
      watched,
      toStatus({ status: payload.slice(second + 1), created_at: createdAt, updated_at: null }),
    );
  }

  #refreshLater(): void {
    if (this.#timer !== null || this.#closed) return;
    this.#timer = unrefTimer(this.#clock.setTimeout(() => {
      this.#timer = null;
      if (this.#watchers.size === 0) return;
      const until = this.#clock.now() + WATCH_TTL_MS;
      const ids = [...this.#watchers.keys()];
      Promise.all(ids.map((id) => this.#db.all(SQL.watchersAdd, [id, this.#id, until])))
        .catch(() => {}).finally(() => this.#refreshLater());
    }, WATCH_TTL_MS / 3));
  }
}
