import type { AtomicKv } from "../kv/atomic_kv.ts";
import type { PausedQueue } from "./control_api.ts";

/** Key prefix of persisted queue pauses in `AtomicKv`. */
export const PAUSE_KEY_PREFIX = "__stem.control.paused:";

/**
 * Queue pauses persisted in `AtomicKv`, one key per queue, so a worker started later (or one
 * that missed the bus message) honours them. No TTL: a pause holds until `resume`.
 */
export class KvPausedQueues {
  readonly #kv: AtomicKv;

  /** Stores pauses in `kv`. */
  constructor(kv: AtomicKv) {
    this.#kv = kv;
  }

  /** Records each queue as paused (a second pause refreshes the reason and time). */
  async pause(queues: string[], reason: string, now: number): Promise<void> {
    await Promise.all(queues.map((queue) => {
      const entry: PausedQueue = { queue, reason, pausedAt: now };
      return this.#kv.set(PAUSE_KEY_PREFIX + queue, JSON.stringify(entry));
    }));
  }

  /** Removes the pauses of `queues`. */
  async resume(queues: string[]): Promise<void> {
    await Promise.all(queues.map((queue) => this.#kv.delete(PAUSE_KEY_PREFIX + queue)));
  }

  /** Every pause, in queue order; an unreadable entry counts as paused with its key's queue. */
  async list(): Promise<PausedQueue[]> {
    const out: PausedQueue[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#kv.list(PAUSE_KEY_PREFIX, { limit: 500, after });
      for (const { key, value } of page) out.push(parse(key.slice(PAUSE_KEY_PREFIX.length), value));
      if (page.length < 500) return out;
      after = page[page.length - 1].key;
    }
  }
}

function parse(queue: string, value: string): PausedQueue {
  try {
    const entry = JSON.parse(value) as Partial<PausedQueue>;
    return {
      queue,
      reason: typeof entry.reason === "string" ? entry.reason : "paused",
      pausedAt: typeof entry.pausedAt === "number" ? entry.pausedAt : 0,
    };
  } catch {
    return { queue, reason: "paused", pausedAt: 0 };
  }
}
