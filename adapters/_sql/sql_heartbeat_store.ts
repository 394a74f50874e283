import {
  DEFAULT_HEARTBEAT_TTL_MS,
  type HeartbeatStore,
  type WorkerHeartbeat,
} from "../../src/backend/heartbeat_store.ts";
import { type Clock, systemClock } from "../../src/core/clock.ts";
import { type Duration, toMillis } from "../../src/core/duration.ts";
import type { SqlExecutor } from "./executor.ts";

/**
 * Worker heartbeats in their own SQL table with a TTL. (The generic HeartbeatStore over AtomicKv
 * can replace it once it lands; the table stays for the rows older versions wrote.)
 */
export class SqlHeartbeatStore implements HeartbeatStore {
  readonly #db: SqlExecutor;
  readonly #clock: Clock;

  /** Wraps an executor. */
  constructor(db: SqlExecutor, options: { clock?: Clock } = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
  }

  /** Stores a heartbeat with a TTL. */
  async setWorkerHeartbeat(
    heartbeat: WorkerHeartbeat,
    options: { ttl?: Duration } = {},
  ): Promise<void> {
    const ttl = toMillis(options.ttl ?? DEFAULT_HEARTBEAT_TTL_MS);
    await this.#db.run(this.#db.sql.heartbeatsSet, [
      heartbeat.workerId,
      JSON.stringify(heartbeat),
      this.#clock.now() + ttl,
    ], { idempotent: true });
  }

  /** Reads a live heartbeat. */
  async getWorkerHeartbeat(workerId: string): Promise<WorkerHeartbeat | null> {
    const [row] = await this.#db.all<{ heartbeat: string }>(this.#db.sql.heartbeatsGet, [
      workerId,
      this.#clock.now(),
    ], { idempotent: true });
    return row ? JSON.parse(String(row.heartbeat)) as WorkerHeartbeat : null;
  }

  /** Lists live heartbeats. */
  async listWorkerHeartbeats(): Promise<WorkerHeartbeat[]> {
    const rows = await this.#db.all<{ heartbeat: string }>(this.#db.sql.heartbeatsList, [
      this.#clock.now(),
    ], { idempotent: true });
    return rows.map((r) => JSON.parse(String(r.heartbeat)) as WorkerHeartbeat);
  }

  /** Deletes expired heartbeats now; returns how many. */
  cleanup(): Promise<number> {
    return this.#db.run(this.#db.sql.cleanupHeartbeats, [this.#clock.now()]);
  }
}
