import type { GroupDescriptor, GroupStatus, GroupStore } from "../../src/backend/group_store.ts";
import { DEFAULT_RESULT_TTL_MS } from "../../src/backend/status_store.ts";
import type { TaskStatus } from "../../src/backend/task_status.ts";
import { type Clock, systemClock } from "../../src/core/clock.ts";
import { type Duration, toMillis } from "../../src/core/duration.ts";
import type { SqlExecutor } from "./executor.ts";
import { type GroupRow, groupStatus } from "./status_rows.ts";

/** Options of {@link SqlGroupStore}. */
export interface SqlGroupStoreOptions {
  /** Lifetime of groups. @default "1d" */
  defaultTtl?: Duration;
  /** Time source of TTLs. @default systemClock */
  clock?: Clock;
}

/**
 * Canvas groups and chord claims in SQL: one row per group, so recording a member is one atomic
 * statement and a chord is claimed by one conditional UPDATE.
 */
export class SqlGroupStore implements GroupStore {
  readonly #db: SqlExecutor;
  readonly #clock: Clock;
  readonly #ttlMs: number;

  /** Wraps an executor. */
  constructor(db: SqlExecutor, options: SqlGroupStoreOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = toMillis(options.defaultTtl ?? DEFAULT_RESULT_TTL_MS);
  }

  /** Creates or resets a group (results and chord claim cleared). */
  async initGroup(group: GroupDescriptor): Promise<void> {
    const ttl = group.ttl === undefined ? this.#ttlMs : toMillis(group.ttl);
    await this.#db.run(this.#db.sql.groupsInit, [
      group.id,
      group.expected,
      JSON.stringify(group.meta ?? {}),
      this.#clock.now() + ttl,
    ]);
  }

  /** Records a member result atomically; null when the group is missing or expired. */
  async addGroupResult(groupId: string, status: TaskStatus): Promise<GroupStatus | null> {
    const [row] = await this.#db.all<GroupRow>(this.#db.sql.groupsAdd, [
      groupId,
      status.id,
      JSON.stringify(status),
      this.#clock.now(),
    ], { idempotent: true });
    return row ? groupStatus(groupId, row) : null;
  }

  /** Reads a live group. */
  async getGroup(groupId: string): Promise<GroupStatus | null> {
    const [row] = await this.#db.all<GroupRow>(this.#db.sql.groupsGet, [
      groupId,
      this.#clock.now(),
    ], { idempotent: true });
    return row ? groupStatus(groupId, row) : null;
  }

  /** True for exactly one caller per group (a conditional UPDATE). */
  async claimChord(groupId: string, callbackTaskId: string): Promise<boolean> {
    const rows = await this.#db.all(this.#db.sql.groupsClaim, [
      groupId,
      callbackTaskId,
      this.#clock.now(),
    ]);
    return rows.length === 1;
  }

  /** Deletes expired groups now; returns how many. */
  cleanup(): Promise<number> {
    return this.#db.run(this.#db.sql.cleanupGroups, [this.#clock.now()]);
  }
}
