import type { Duration } from "../core/duration.ts";
import type { JsonValue } from "../core/envelope.ts";

/** A worker's periodic liveness record. */
export interface WorkerHeartbeat {
  /** Worker id. */
  workerId: string;
  /** When it was sent, epoch ms. */
  timestamp: number;
  /** Tasks running now. */
  inflight: number;
  /** Queues consumed. */
  queues: string[];
  /** Anything else (host, pid, counters). */
  extras?: Record<string, JsonValue>;
}

/** Stores workers' periodic liveness records, each with a TTL. */
export interface HeartbeatStore {
  /** Stores a worker heartbeat with a TTL. @default ttl 60s */
  setWorkerHeartbeat(heartbeat: WorkerHeartbeat, options?: { ttl?: Duration }): Promise<void>;
  /** Reads one worker's last heartbeat. */
  getWorkerHeartbeat(workerId: string): Promise<WorkerHeartbeat | null>;
  /** Lists live worker heartbeats. */
  listWorkerHeartbeats(): Promise<WorkerHeartbeat[]>;
}

/** Default lifetime of worker heartbeats. */
export const DEFAULT_HEARTBEAT_TTL_MS = 60_000;
