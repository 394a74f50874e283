import { type Duration, toMillis } from "../core/duration.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";
import {
  DEFAULT_HEARTBEAT_TTL_MS,
  type HeartbeatStore,
  type WorkerHeartbeat,
} from "./heartbeat_store.ts";

/** Key prefix of heartbeat records in an {@link AtomicKv}. */
export const HEARTBEAT_KEY_PREFIX = "heartbeat:";

const PAGE = 500;

/**
 * The one {@link HeartbeatStore}: each worker's heartbeat is a JSON value under
 * `heartbeat:<workerId>` with the heartbeat's TTL, so expiry is the kv's and a listing is a
 * prefix scan. Every adapter's `StoreSet` uses it over its own `AtomicKv`.
 *
 * @example
 * ```ts
 * import { KvHeartbeatStore } from "./kv_heartbeat_store.ts";
 * import { InMemoryKv } from "../../adapters/memory/memory_kv.ts";
 * const heartbeats = new KvHeartbeatStore(new InMemoryKv());
 * await heartbeats.setWorkerHeartbeat({ workerId: "w1", timestamp: 0, inflight: 0, queues: [] });
 * ```
 */
export class KvHeartbeatStore implements HeartbeatStore {
  readonly #kv: AtomicKv;

  /** Stores heartbeats in `kv`. */
  constructor(kv: AtomicKv) {
    this.#kv = kv;
  }

  /** Stores a worker heartbeat with a TTL. @default ttl 60s */
  async setWorkerHeartbeat(
    heartbeat: WorkerHeartbeat,
    options: { ttl?: Duration } = {},
  ): Promise<void> {
    const ttl = Math.max(1, toMillis(options.ttl ?? DEFAULT_HEARTBEAT_TTL_MS));
    await this.#kv.set(HEARTBEAT_KEY_PREFIX + heartbeat.workerId, JSON.stringify(heartbeat), {
      ttl,
    });
  }

  /** Reads one worker's live heartbeat; null when absent or expired. */
  async getWorkerHeartbeat(workerId: string): Promise<WorkerHeartbeat | null> {
    return parse(await this.#kv.get(HEARTBEAT_KEY_PREFIX + workerId));
  }

  /** Lists every live heartbeat, in worker-id order. */
  async listWorkerHeartbeats(): Promise<WorkerHeartbeat[]> {
    const out: WorkerHeartbeat[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#kv.list(HEARTBEAT_KEY_PREFIX, { limit: PAGE, after });
      for (const entry of page) {
        const heartbeat = parse(entry.value);
        if (heartbeat) out.push(heartbeat);
      }
      if (page.length < PAGE) return out;
      after = page[page.length - 1].key;
    }
  }
}

function parse(value: string | null): WorkerHeartbeat | null {
  if (value === null) return null;
  try {
    return JSON.parse(value) as WorkerHeartbeat;
  } catch {
    // A value another writer put under the prefix is not a heartbeat; skip it.
    return null;
  }
}
