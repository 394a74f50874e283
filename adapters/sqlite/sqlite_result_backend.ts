import {
  DEFAULT_HEARTBEAT_TTL_MS,
  DEFAULT_RESULT_TTL_MS,
  type GroupDescriptor,
  type GroupStatus,
  type ResultBackend,
  type SetStatusOptions,
  type TaskStatusQuery,
  type Unwatch,
  type WorkerHeartbeat,
} from "../../src/backend/result_backend.ts";
import { callWatcher } from "../../src/backend/watch_hub.ts";
import type { TaskStatus, TaskStatusInput } from "../../src/backend/task_status.ts";
import { type Duration, toMillis } from "../../src/core/duration.ts";
import {
  type GroupRow,
  groupStatus,
  statusDocument,
  type StatusRow,
  toStatus,
} from "../postgres/status_rows.ts";
import { unrefTimer } from "../postgres/timers.ts";
import { Coalescer } from "../postgres/coalescer.ts";
import { SQL } from "./_sql.ts";
import type { SqliteDriver } from "./driver.ts";
import { openDatabase, type SqliteOpenOptions } from "./open_database.ts";

/** Options for {@link SqliteResultBackend.open}. */
export interface SqliteResultBackendOptions extends SqliteOpenOptions {
  /** Lifetime of statuses and groups. @default "1d" */
  defaultTtl?: Duration;
  /** How often expired rows are deleted (reads ignore them anyway). @default "5m" */
  cleanupInterval?: Duration;
  /** How often watched tasks are checked for writes by other processes. @default "100ms" */
  watchPollInterval?: Duration;
}

type Listener = (status: TaskStatus) => void;
interface Watched {
  listeners: Set<Listener>;
  version: number;
}

/**
 * Task statuses, groups, chord claims and heartbeats in a SQLite file. Watchers see this
 * instance's writes at once and other processes' writes by polling the watched ids.
 *
 * @example
 * ```ts ignore
 * import { SqliteResultBackend } from "./sqlite_result_backend.ts";
 * const backend = await SqliteResultBackend.open("./stem.db");
 * await backend.close();
 * ```
 */
export class SqliteResultBackend implements ResultBackend {
  /** Watches see other processes' writes (by polling). */
  readonly capabilities: { crossProcessWatch: boolean } = { crossProcessWatch: true };
  readonly #db: SqliteDriver;
  readonly #ttlMs: number;
  readonly #watchPollMs: number;
  readonly #watched = new Map<string, Watched>();
  readonly #cleanupTimer: ReturnType<typeof setInterval>;
  readonly #writes: Coalescer<{ input: TaskStatusInput; ttl: number }, TaskStatus>;
  #pollTimer: ReturnType<typeof setInterval> | null = null;
  #closed = false;

  private constructor(db: SqliteDriver, o: SqliteResultBackendOptions) {
    this.#db = db;
    this.#ttlMs = toMillis(o.defaultTtl ?? DEFAULT_RESULT_TTL_MS);
    this.#writes = new Coalescer((items) => this.#writeAll(items), { nextTick: true });
    this.#watchPollMs = toMillis(o.watchPollInterval ?? 100);
    const cleanupMs = toMillis(o.cleanupInterval ?? "5m");
    this.#cleanupTimer = unrefTimer(setInterval(() => this.runCleanup(), cleanupMs));
  }

  /** Opens (creating and migrating) the database at `path`. */
  static async open(
    path: string,
    options: SqliteResultBackendOptions = {},
  ): Promise<SqliteResultBackend> {
    return new SqliteResultBackend(await openDatabase(path, options), options);
  }

  /**
   * Writes a status (keeping `createdAt`) and notifies this instance's watchers. Writes made in
   * the same tick share one transaction.
   */
  set(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<TaskStatus> {
    const ttl = options.ttl === undefined ? this.#ttlMs : toMillis(options.ttl);
    return this.#writes.push({ input, ttl });
  }

  #writeAll(items: { input: TaskStatusInput; ttl: number }[]): Promise<TaskStatus[]> {
    const now = Date.now();
    const written = this.#db.transaction(() =>
      items.map(({ input, ttl }) => {
        const params = statusRowParams(input, now, ttl);
        const doc = params[3];
        const row = this.#db.get<{ created_at: number; version: number }>(SQL.resultsSet, params)!;
        const status = toStatus({ status: doc, created_at: row.created_at, updated_at: now });
        return { status, version: Number(row.version) };
      })
    );
    for (const { status, version } of written) {
      const watched = this.#watched.get(status.id);
      if (!watched) continue;
      watched.version = Math.max(watched.version, version);
      for (const listener of [...watched.listeners]) callWatcher(listener, status);
    }
    return Promise.resolve(written.map((w) => w.status));
  }

  /** Writes the status only if no live record has its id; false when one exists. */
  create(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<boolean> {
    const now = Date.now();
    const ttl = options.ttl === undefined ? this.#ttlMs : toMillis(options.ttl);
    const params = statusRowParams(input, now, ttl);
    const doc = params[3];
    const row = this.#db.get<{ created_at: number; version: number }>(SQL.resultsCreate, params);
    if (!row) return Promise.resolve(false);
    const watched = this.#watched.get(input.id);
    if (watched) {
      watched.version = Math.max(watched.version, Number(row.version));
      const status = toStatus({ status: doc, created_at: row.created_at, updated_at: now });
      for (const listener of [...watched.listeners]) callWatcher(listener, status);
    }
    return Promise.resolve(true);
  }

  /** Reads a live status. */
  get(id: string): Promise<TaskStatus | null> {
    const row = this.#db.get<StatusRow>(SQL.resultsGet, [id, Date.now()]);
    return Promise.resolve(row ? toStatus(row) : null);
  }

  /** Calls `listener` on every later write of `id` (other processes: within the poll interval). */
  watch(id: string, listener: Listener): Promise<Unwatch> {
    let watched = this.#watched.get(id);
    if (!watched) {
      const row = this.#db.get<{ version: number }>(SQL.resultsGet, [id, Date.now()]);
      watched = { listeners: new Set(), version: row ? Number(row.version) : 0 };
      this.#watched.set(id, watched);
    }
    watched.listeners.add(listener);
    this.#pollTimer ??= unrefTimer(setInterval(() => this.#poll(), this.#watchPollMs));
    const entry = watched;
    return Promise.resolve(() => {
      entry.listeners.delete(listener);
      if (entry.listeners.size === 0 && this.#watched.get(id) === entry) this.#watched.delete(id);
      if (this.#watched.size === 0 && this.#pollTimer !== null) {
        clearInterval(this.#pollTimer);
        this.#pollTimer = null;
      }
      return Promise.resolve();
    });
  }

  /** Resets the TTL of a status from now. */
  expire(id: string, ttl: Duration): Promise<void> {
    this.#db.run(SQL.resultsExpire, [id, Date.now() + toMillis(ttl)]);
    return Promise.resolve();
  }

  /** Lists live statuses, newest update first. */
  listTaskStatuses(query: TaskStatusQuery = {}): Promise<TaskStatus[]> {
    const rows = this.#db.all<StatusRow>(SQL.resultsList, [
      Date.now(),
      query.state ?? null,
      query.queue ?? null,
      query.limit ?? 50,
      query.offset ?? 0,
    ]);
    return Promise.resolve(rows.map(toStatus));
  }

  /** Creates or resets a group. */
  initGroup(group: GroupDescriptor): Promise<void> {
    const ttl = group.ttl === undefined ? this.#ttlMs : toMillis(group.ttl);
    this.#db.run(SQL.groupsInit, [
      group.id,
      group.expected,
      JSON.stringify(group.meta ?? {}),
      Date.now() + ttl,
    ]);
    return Promise.resolve();
  }

  /** Records a member result in one write transaction; null when the group is missing. */
  addGroupResult(groupId: string, status: TaskStatus): Promise<GroupStatus | null> {
    const group = this.#db.transaction(() => {
      const row = this.#db.get<GroupRow>(SQL.groupsGet, [groupId, Date.now()]);
      if (!row) return null;
      const results = JSON.parse(row.results as string) as Record<string, TaskStatus>;
      results[status.id] = status;
      const text = JSON.stringify(results);
      this.#db.run(SQL.groupsSetResults, [groupId, text]);
      return groupStatus(groupId, { ...row, results: text });
    });
    return Promise.resolve(group);
  }

  /** Reads a live group. */
  getGroup(groupId: string): Promise<GroupStatus | null> {
    const row = this.#db.get<GroupRow>(SQL.groupsGet, [groupId, Date.now()]);
    return Promise.resolve(row ? groupStatus(groupId, row) : null);
  }

  /** True for exactly one caller per group. */
  claimChord(groupId: string, callbackTaskId: string): Promise<boolean> {
    const row = this.#db.get(SQL.groupsClaim, [groupId, callbackTaskId, Date.now()]);
    return Promise.resolve(row !== undefined);
  }

  /** Stores a heartbeat with a TTL. */
  setWorkerHeartbeat(heartbeat: WorkerHeartbeat, options: { ttl?: Duration } = {}): Promise<void> {
    const ttl = toMillis(options.ttl ?? DEFAULT_HEARTBEAT_TTL_MS);
    this.#db.run(SQL.heartbeatsSet, [
      heartbeat.workerId,
      JSON.stringify(heartbeat),
      Date.now() + ttl,
    ]);
    return Promise.resolve();
  }

  /** Reads a live heartbeat. */
  getWorkerHeartbeat(workerId: string): Promise<WorkerHeartbeat | null> {
    const row = this.#db.get<{ heartbeat: string }>(SQL.heartbeatsGet, [workerId, Date.now()]);
    return Promise.resolve(row ? JSON.parse(row.heartbeat) as WorkerHeartbeat : null);
  }

  /** Lists live heartbeats. */
  listWorkerHeartbeats(): Promise<WorkerHeartbeat[]> {
    const rows = this.#db.all<{ heartbeat: string }>(SQL.heartbeatsList, [Date.now()]);
    return Promise.resolve(rows.map((r) => JSON.parse(r.heartbeat) as WorkerHeartbeat));
  }

  /** Deletes expired rows now; returns how many. */
  runCleanup(): number {
    if (this.#closed) return 0;
    const now = Date.now();
    return this.#db.transaction(() =>
      this.#db.run(SQL.cleanupResults, [now]).changes +
      this.#db.run(SQL.cleanupGroups, [now]).changes +
      this.#db.run(SQL.cleanupHeartbeats, [now]).changes
    );
  }

  /** Stops timers and closes the file. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    clearInterval(this.#cleanupTimer);
    if (this.#pollTimer !== null) clearInterval(this.#pollTimer);
    this.#watched.clear();
    this.#db.close();
    return Promise.resolve();
  }

  #poll(): void {
    if (this.#closed || this.#watched.size === 0) return;
    const ids = JSON.stringify([...this.#watched.keys()]);
    const rows = this.#db.all<StatusRow & { id: string; version: number }>(
      SQL.resultsVersions,
      [ids, Date.now()],
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

/** Bind parameters of a status row: id, state, queue, document, updated_at, expires_at. */
function statusRowParams(
  input: TaskStatusInput,
  now: number,
  ttl: number,
): [string, string, string | null, string, number, number] {
  const queue = typeof input.meta?.queue === "string" ? input.meta.queue : null;
  return [input.id, input.state, queue, statusDocument(input, now), now, now + ttl];
}
