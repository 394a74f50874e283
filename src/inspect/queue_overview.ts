import type { HeartbeatStore } from "../backend/heartbeat_store.ts";
import type { Broker, QueueCounts } from "../broker/broker.ts";

/** One queue as the CLI, the HTTP API and the dashboard show it. */
export interface QueueOverview extends QueueCounts {
  /** Queue name. */
  queue: string;
  /** Live workers consuming it (from their heartbeats). */
  workers: number;
}

/** Where {@link queueOverview} reads from. */
export interface QueueOverviewSource {
  /** Counts per queue. */
  broker: Pick<Broker, "counts">;
  /** Live workers name the queues they consume. */
  heartbeats?: Pick<HeartbeatStore, "listWorkerHeartbeats">;
}

/**
 * Counts of every queue named in `queues` or consumed by a live worker, sorted by name. Brokers
 * keep no catalogue of queues, so a queue nobody names and nobody consumes is not listed.
 */
export async function queueOverview(
  source: QueueOverviewSource,
  queues: readonly string[] = [],
): Promise<QueueOverview[]> {
  const consumers = new Map<string, number>();
  for (const queue of queues) consumers.set(queue, 0);
  const heartbeats = source.heartbeats ? await source.heartbeats.listWorkerHeartbeats() : [];
  for (const heartbeat of heartbeats) {
    for (const queue of new Set(heartbeat.queues)) {
      consumers.set(queue, (consumers.get(queue) ?? 0) + 1);
    }
  }
  const names = [...consumers.keys()].sort();
  return await Promise.all(names.map(async (queue) => ({
    queue,
    ...(await source.broker.counts(queue)),
    workers: consumers.get(queue) ?? 0,
  })));
}
