import type { HeartbeatStore, WorkerHeartbeat } from "../backend/heartbeat_store.ts";
import type { JsonValue } from "../core/envelope.ts";

/** A worker as the CLI, the HTTP API and the dashboard show it. */
export interface WorkerOverview {
  /** Worker id. */
  workerId: string;
  /** False once it has missed two heartbeats. */
  online: boolean;
  /** Its last heartbeat, epoch ms. */
  lastSeen: number;
  /** Milliseconds since that heartbeat. */
  ageMs: number;
  /** Tasks running at the last heartbeat. */
  inflight: number;
  /** Queues it consumes. */
  queues: string[];
  /** Everything else it reported (concurrency, host, pid, runtime, running task ids). */
  extras: Record<string, JsonValue>;
}

/** Heartbeat interval assumed when a heartbeat does not state its own. */
export const DEFAULT_HEARTBEAT_INTERVAL_MS = 10_000;

/** A worker that has not written for longer than this many intervals is offline. */
const MISSED_BEATS = 2;

/** The view of one heartbeat at time `now`. */
export function workerView(heartbeat: WorkerHeartbeat, now: number): WorkerOverview {
  const extras = heartbeat.extras ?? {};
  const stated = extras.heartbeatIntervalMs;
  const interval = typeof stated === "number" && stated > 0
    ? stated
    : DEFAULT_HEARTBEAT_INTERVAL_MS;
  const ageMs = Math.max(0, now - heartbeat.timestamp);
  return {
    workerId: heartbeat.workerId,
    online: ageMs <= interval * MISSED_BEATS,
    lastSeen: heartbeat.timestamp,
    ageMs,
    inflight: heartbeat.inflight,
    queues: heartbeat.queues,
    extras,
  };
}

/** Every worker whose heartbeat has not expired yet, online ones first, then by id. */
export async function workerOverview(
  heartbeats: Pick<HeartbeatStore, "listWorkerHeartbeats">,
  now: number,
): Promise<WorkerOverview[]> {
  const views = (await heartbeats.listWorkerHeartbeats()).map((h) => workerView(h, now));
  return views.sort((a, b) =>
    Number(b.online) - Number(a.online) || a.workerId.localeCompare(b.workerId)
  );
}
