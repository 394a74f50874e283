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
import { uuidv7 } from "../../src/core/ids.ts";
import { SQL } from "./_sql.ts";
import { Coalescer } from "./coalescer.ts";
import { connectMigrated, type PostgresConnectOptions, type Sql } from "./connection.ts";
import { migrate } from "./migrate.ts";
import { Notifier } from "./notifier.ts";
import {
  type GroupRow,
  groupStatus,
  statusDocument,
  type StatusRow,
  toStatus,
} from "./status_rows.ts";
import { unrefTimer } from "./timers.ts";

interface PendingWrite {
  input: TaskStatusInput;
  ttl: number;
}

/** Splits writes into consecutive runs with distinct task ids (one upsert may touch a row once). */
function distinctRuns(items: PendingWrite[]): PendingWrite[][] {
  const runs: PendingWrite[][] = [[]];
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

/** Options for {@link PostgresResultBackend.connect}. */
export interface PostgresResultBackendOptions extends PostgresConnectOptions {
  /** Lifetime of statuses and groups. @default "1d" */
  defaultTtl?: Duration;
  /** How often expired rows are deleted (reads ignore them anyway). @default "5m" */
  cleanupInterval?: Duration;
}

const PREPARED = { prepare: true } as const;
/** Watch registrations live this long and are refreshed at a third of it. */
const WATCH_TTL_MS = 30 * 60_000;

/**
 * Task statuses, groups, chord claims and heartbeats in PostgreSQL, with TTLs (an `expires_at`
 * column plus periodic cleanup) and cross-process `watch` through LISTEN/NOTIFY.
 *
 * @example
 * ```ts ignore
 * import { PostgresResultBackend } from "./postgres_result_backend.ts";
 * const backend = await PostgresResultBackend.connect("postgres://localhost/app");
 * await backend.close();
 * ```
 */
export class PostgresResultBackend implements ResultBackend {
  /** Watches see every process's writes (LISTEN/NOTIFY). */
  readonly capabilities: { crossProcessWatch: boolean } = { crossProcessWatch: true };
  readonly #sql: Sql;
  readonly #ownsSql: boolean;
  readonly #channel: string;
  readonly #notifier: Notifier;
  readonly #ttlMs: number;
  readonly #watcherId = uuidv7();
  readonly #watchers = new Map<string, Set<(status: TaskStatus) => void>>();
  readonly #timers: ReturnType<typeof setInterval>[] = [];
  readonly #writes: Coalescer<PendingWrite, TaskStatus>;
  #unsubscribe: (() => void) | null = null;
  #closed = false;

  private constructor(
    sql: Sql,
    ownsSql: boolean,
    namespace: string,
    o: PostgresResultBackendOptions,
  ) {
    this.#sql = sql;
    this.#ownsSql = ownsSql;
    this.#channel = `${namespace}_results`.toLowerCase();
    this.#notifier = new Notifier(sql, this.#channel);
    this.#ttlMs = toMillis(o.defaultTtl ?? DEFAULT_RESULT_TTL_MS);
    this.#writes = new Coalescer((items) => this.#write(items), {
      maxBatch: 500,
      maxConcurrent: 2,
      nextTick: true,
    });
    const cleanupMs = toMillis(o.cleanupInterval ?? "5m");
    this.#timers.push(unrefTimer(setInterval(() => this.runCleanup().catch(() => {}), cleanupMs)));
    this.#timers.push(
      unrefTimer(setInterval(() => this.#refreshWatches().catch(() => {}), WATCH_TTL_MS / 3)),
    );
  }

  /** Connects and applies pending migrations (under an advisory lock). */
  static async connect(
    url: string,
    options: PostgresResultBackendOptions = {},
  ): Promise<PostgresResultBackend> {
    const { sql, owned, namespace } = await connectMigrated(url, options, migrate);
    return new PostgresResultBackend(sql, owned, namespace, options);
  }

  /**
   * Writes a status (keeping `createdAt`) and notifies watchers in any process. Concurrent
   * writes share one multi-row upsert.
   */
  set(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<TaskStatus> {
    const ttl = options.ttl === undefined ? this.#ttlMs : toMillis(options.ttl);
    return this.#writes.push({ input, ttl });
  }

  /** Writes the status only if no live record has its id; false when one exists. */
  async create(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<boolean> {
    const now = Date.now();
    const ttl = options.ttl === undefined ? this.#ttlMs : toMillis(options.ttl);
    const queue = typeof input.meta?.queue === "string" ? input.meta.queue : null;
    const rows = await this.#sql.unsafe(SQL.resultsCreate, [
      input.id,
      input.state,
      queue,
      statusDocument(input, now),
      now,
      now + ttl,
      this.#channel,
    ], PREPARED);
    return rows.length === 1;
  }

  /** Reads a live status. */
  async get(id: string): Promise<TaskStatus | null> {
    const [row] = await this.#sql.unsafe(SQL.resultsGet, [id, Date.now()], PREPARED);
    return row ? toStatus(row as unknown as StatusRow) : null;
  }

  /** Calls `listener` on every later write of `id`, from this or any other process. */
  async watch(id: string, listener: (status: TaskStatus) => void): Promise<Unwatch> {
    this.#unsubscribe ??= this.#notifier.subscribe((payload) => this.#onNotify(payload));
    await this.#notifier.ready();
    let set = this.#watchers.get(id);
    if (!set) {
      this.#watchers.set(id, set = new Set());
      await this.#sql.unsafe(
        SQL.watchersAdd,
        [id, this.#watcherId, Date.now() + WATCH_TTL_MS],
        PREPARED,
      );
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size > 0 || this.#watchers.get(id) !== set) return;
      this.#watchers.delete(id);
      if (!this.#closed) {
        await this.#sql.unsafe(SQL.watchersRemove, [id, this.#watcherId], PREPARED);
      }
    };
  }

  /** Resets the TTL of a status from now. */
  async expire(id: string, ttl: Duration): Promise<void> {
    await this.#sql.unsafe(SQL.resultsExpire, [id, Date.now() + toMillis(ttl)], PREPARED);
  }

  /** Lists live statuses, newest update first. */
  async listTaskStatuses(query: TaskStatusQuery = {}): Promise<TaskStatus[]> {
    const rows = await this.#sql.unsafe(SQL.resultsList, [
      Date.now(),
      query.state ?? null,
      query.queue ?? null,
      query.limit ?? 50,
      query.offset ?? 0,
    ], PREPARED);
    return (rows as unknown as StatusRow[]).map(toStatus);
  }

  /** Creates or resets a group (results and chord claim cleared). */
  async initGroup(group: GroupDescriptor): Promise<void> {
    const ttl = group.ttl === undefined ? this.#ttlMs : toMillis(group.ttl);
    await this.#sql.unsafe(SQL.groupsInit, [
      group.id,
      group.expected,
      JSON.stringify(group.meta ?? {}),
      Date.now() + ttl,
    ], PREPARED);
  }

  /** Records a member result atomically; null when the group is missing or expired. */
  async addGroupResult(groupId: string, status: TaskStatus): Promise<GroupStatus | null> {
    const [row] = await this.#sql.unsafe(
      SQL.groupsAdd,
      [groupId, status.id, JSON.stringify(status), Date.now()],
      PREPARED,
    );
    return row ? groupStatus(groupId, row as unknown as GroupRow) : null;
  }

  /** Reads a live group. */
  async getGroup(groupId: string): Promise<GroupStatus | null> {
    const [row] = await this.#sql.unsafe(SQL.groupsGet, [groupId, Date.now()], PREPARED);
    return row ? groupStatus(groupId, row as unknown as GroupRow) : null;
  }

  /** True for exactly one caller per group (a conditional UPDATE). */
  async claimChord(groupId: string, callbackTaskId: string): Promise<boolean> {
    const rows = await this.#sql.unsafe(
      SQL.groupsClaim,
      [groupId, callbackTaskId, Date.now()],
      PREPARED,
    );
    return rows.length === 1;
  }

  /** Stores a heartbeat with a TTL. */
  async setWorkerHeartbeat(
    heartbeat: WorkerHeartbeat,
    options: { ttl?: Duration } = {},
  ): Promise<void> {
    const ttl = toMillis(options.ttl ?? DEFAULT_HEARTBEAT_TTL_MS);
    await this.#sql.unsafe(SQL.heartbeatsSet, [
      heartbeat.workerId,
      JSON.stringify(heartbeat),
      Date.now() + ttl,
    ], PREPARED);
  }

  /** Reads a live heartbeat. */
  async getWorkerHeartbeat(workerId: string): Promise<WorkerHeartbeat | null> {
    const [row] = await this.#sql.unsafe(SQL.heartbeatsGet, [workerId, Date.now()], PREPARED);
    return row ? JSON.parse(String(row.heartbeat)) as WorkerHeartbeat : null;
  }

  /** Lists live heartbeats. */
  async listWorkerHeartbeats(): Promise<WorkerHeartbeat[]> {
    const rows = await this.#sql.unsafe(SQL.heartbeatsList, [Date.now()], PREPARED);
    return rows.map((r) => JSON.parse(String(r.heartbeat)) as WorkerHeartbeat);
  }

  /** Deletes expired statuses, groups, heartbeats and watches now; returns how many. */
  async runCleanup(): Promise<number> {
    const [row] = await this.#sql.unsafe(SQL.cleanup, [Date.now()], PREPARED);
    return Number(row.removed);
  }

  /** The postgres.js client (for tests and maintenance). */
  get sql(): Sql {
    return this.#sql;
  }

  /** Stops timers and watches and closes the pool (unless it was passed in). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#timers) clearInterval(timer);
    const ids = [...this.#watchers.keys()];
    this.#watchers.clear();
    await Promise.all(
      ids.map((id) =>
        this.#sql.unsafe(SQL.watchersRemove, [id, this.#watcherId], PREPARED).catch(() => {})
      ),
    );
    this.#unsubscribe?.();
    await this.#notifier.close();
    if (this.#ownsSql) await this.#sql.end({ timeout: 5 });
  }

  async #write(items: PendingWrite[]): Promise<TaskStatus[]> {
    const out: TaskStatus[] = [];
    for (const chunk of distinctRuns(items)) out.push(...await this.#upsert(chunk));
    return out;
  }

  async #upsert(items: PendingWrite[]): Promise<TaskStatus[]> {
    const now = Date.now();
    const docs = items.map((i) => statusDocument(i.input, now));
    const rows = await this.#sql.unsafe(SQL.resultsSetMany, [
      items.map((i) => i.input.id),
      items.map((i) => i.input.state),
      items.map((i) => (typeof i.input.meta?.queue === "string" ? i.input.meta.queue : null)),
      docs,
      items.map((i) => now + i.ttl),
      now,
      this.#channel,
    ], PREPARED);
    const created = new Map(rows.map((r) => [String(r.id), Number(r.created_at)]));
    return items.map((item, i) =>
      toStatus({ status: docs[i], created_at: created.get(item.input.id) ?? now, updated_at: now })
    );
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
      this.get(id).then(emit, () => {});
      return;
    }
    const second = payload.indexOf("\n", first + 1);
    const createdAt = Number(payload.slice(first + 1, second));
    const doc = payload.slice(second + 1);
    emit(toStatus({ status: doc, created_at: createdAt, updated_at: null }));
  }

  async #refreshWatches(): Promise<void> {
    const until = Date.now() + WATCH_TTL_MS;
    for (const id of this.#watchers.keys()) {
      await this.#sql.unsafe(SQL.watchersAdd, [id, this.#watcherId, until], PREPARED);
    }
  }
}
