import type { GroupDescriptor, GroupStatus } from "../../src/backend/group_store.ts";
import type { WorkerHeartbeat } from "../../src/backend/heartbeat_store.ts";
import type { ResultBackend } from "../../src/backend/result_backend.ts";
import type {
  SetStatusOptions,
  StatusStoreCapabilities,
  TaskStatusQuery,
  Unwatch,
} from "../../src/backend/status_store.ts";
import type { TaskStatus, TaskStatusInput } from "../../src/backend/task_status.ts";
import { type Clock, systemClock, type TimerHandle } from "../../src/core/clock.ts";
import { type Duration, toMillis } from "../../src/core/duration.ts";
import { type Logger, silentLogger } from "../../src/observability/logger.ts";
import type { SqlExecutor, StatusWatchSource } from "./executor.ts";
import { SqlGroupStore } from "./sql_group_store.ts";
import { KvHeartbeatStore } from "../../src/backend/kv_heartbeat_store.ts";
import { SqlKv } from "./sql_kv.ts";
import { SqlStatusStore } from "./sql_status_store.ts";
import { unrefTimer } from "./timers.ts";

/** Options of {@link SqlResultBackend}. */
export interface SqlResultBackendOptions {
  /** Lifetime of statuses and groups. @default "1d" */
  defaultTtl?: Duration;
  /** How often expired rows are deleted (reads ignore them anyway). @default "5m" */
  cleanupInterval?: Duration;
  /** Time source of TTLs, timestamps and the cleanup timer. @default systemClock */
  clock?: Clock;
  /** Where failed cleanups are reported (warn). @default silentLogger */
  logger?: Logger;
}

/**
 * Statuses, groups and heartbeats on one executor, as the {@link ResultBackend} intersection,
 * plus the periodic cleanup of expired rows (kv entries included).
 */
export class SqlResultBackend implements ResultBackend {
  /** The status store. */
  readonly statuses: SqlStatusStore;
  /** The group store. */
  readonly groups: SqlGroupStore;
  /** The heartbeat store. */
  readonly heartbeats: KvHeartbeatStore;
  /** The kv store (cleaned up with the rest). */
  readonly kv: SqlKv;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #cleanupMs: number;
  readonly #onClose: () => Promise<void>;
  #timer: TimerHandle | null = null;
  #closed = false;

  /** Builds the stores on `db`; `onClose` runs once on {@link close}. */
  constructor(
    db: SqlExecutor,
    watch: StatusWatchSource,
    options: SqlResultBackendOptions & { onClose?: () => Promise<void> } = {},
  ) {
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    const shared = { clock: this.#clock, defaultTtl: options.defaultTtl };
    this.statuses = new SqlStatusStore(db, watch, shared);
    this.groups = new SqlGroupStore(db, shared);
    this.kv = new SqlKv(db, shared);
    // Heartbeats are written once, over the kv primitive, for every adapter.
    this.heartbeats = new KvHeartbeatStore(this.kv);
    this.#cleanupMs = toMillis(options.cleanupInterval ?? "5m");
    this.#onClose = options.onClose ?? (() => Promise.resolve());
    this.#schedule();
  }

  /** `crossProcessWatch` of the status store. */
  get capabilities(): StatusStoreCapabilities {
    return this.statuses.capabilities;
  }

  /** See {@link SqlStatusStore.set}. */
  set(input: TaskStatusInput, options?: SetStatusOptions): Promise<TaskStatus> {
    return this.statuses.set(input, options);
  }

  /** See {@link SqlStatusStore.create}. */
  create(input: TaskStatusInput, options?: SetStatusOptions): Promise<boolean> {
    return this.statuses.create(input, options);
  }

  /** See {@link SqlStatusStore.get}. */
  get(id: string): Promise<TaskStatus | null> {
    return this.statuses.get(id);
  }

  /** See {@link SqlStatusStore.watch}. */
  watch(id: string, listener: (status: TaskStatus) => void): Promise<Unwatch> {
    return this.statuses.watch(id, listener);
  }

  /** See {@link SqlStatusStore.expire}. */
  expire(id: string, ttl: Duration): Promise<void> {
    return this.statuses.expire(id, ttl);
  }

  /** See {@link SqlStatusStore.listTaskStatuses}. */
  listTaskStatuses(query?: TaskStatusQuery): Promise<TaskStatus[]> {
    return this.statuses.listTaskStatuses(query);
  }

  /** See {@link SqlGroupStore.initGroup}. */
  initGroup(group: GroupDescriptor): Promise<void> {
    return this.groups.initGroup(group);
  }

  /** See {@link SqlGroupStore.addGroupResult}. */
  addGroupResult(groupId: string, status: TaskStatus): Promise<GroupStatus | null> {
    return this.groups.addGroupResult(groupId, status);
  }

  /** See {@link SqlGroupStore.getGroup}. */
  getGroup(groupId: string): Promise<GroupStatus | null> {
    return this.groups.getGroup(groupId);
  }

  /** See {@link SqlGroupStore.claimChord}. */
  claimChord(groupId: string, callbackTaskId: string): Promise<boolean> {
    return this.groups.claimChord(groupId, callbackTaskId);
  }

  /** See {@link KvHeartbeatStore.setWorkerHeartbeat}. */
  setWorkerHeartbeat(heartbeat: WorkerHeartbeat, options?: { ttl?: Duration }): Promise<void> {
    return this.heartbeats.setWorkerHeartbeat(heartbeat, options);
  }

  /** See {@link KvHeartbeatStore.getWorkerHeartbeat}. */
  getWorkerHeartbeat(workerId: string): Promise<WorkerHeartbeat | null> {
    return this.heartbeats.getWorkerHeartbeat(workerId);
  }

  /** See {@link KvHeartbeatStore.listWorkerHeartbeats}. */
  listWorkerHeartbeats(): Promise<WorkerHeartbeat[]> {
    return this.heartbeats.listWorkerHeartbeats();
  }

  /** Deletes expired statuses, groups, heartbeats, kv entries and watches now; returns how many. */
  async runCleanup(): Promise<number> {
    if (this.#closed) return 0;
    return await this.statuses.cleanup() + await this.groups.cleanup() +
      await this.kv.cleanup();
  }

  /** Stops the cleanup timer and watches; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer !== null) this.#clock.clearTimeout(this.#timer);
    await this.statuses.close();
    await this.#onClose();
  }

  #schedule(): void {
    this.#timer = unrefTimer(this.#clock.setTimeout(() => {
      this.runCleanup().catch((error) =>
        this.#logger.warn("Deleting expired rows failed; retrying later", { error })
      ).finally(() => {
        if (!this.#closed) this.#schedule();
      });
    }, this.#cleanupMs));
  }
}
