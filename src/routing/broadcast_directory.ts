import type { Duration } from "../core/duration.ts";
import { MAX_QUEUE_NAME_LENGTH } from "../core/queue_name.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";

/** Prefix of the queue each subscribed worker takes its broadcast copies from. */
export const BROADCAST_INBOX_PREFIX = "stem.bcast.";

/**
 * The queue a worker's broadcast copies go to, derived from its id (so a restarted worker with a
 * fixed id finds copies it had not taken yet). Characters no queue name allows become `_`, and a
 * long id is cut and suffixed with a hash of the whole id.
 */
export function broadcastInboxOf(workerId: string): string {
  const safe = workerId.replace(/[^A-Za-z0-9_.:-]/g, "_");
  const room = MAX_QUEUE_NAME_LENGTH - BROADCAST_INBOX_PREFIX.length;
  if (safe.length <= room && safe === workerId) return BROADCAST_INBOX_PREFIX + safe;
  return BROADCAST_INBOX_PREFIX + safe.slice(0, room - 9) + "-" + fnv1a(workerId);
}

function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, "0");
}

/**
 * Who listens on each broadcast channel: one `AtomicKv` key per (channel, worker) whose value is
 * the worker's inbox queue, with a TTL the worker keeps renewing, so a crashed worker drops out
 * after one TTL. The producer reads it to fan a broadcast out into one copy per inbox.
 */
export class BroadcastDirectory {
  readonly #kv: AtomicKv;
  readonly #prefix: string;

  /** A directory over `kv` under `prefix`. @default prefix "bcast:" */
  constructor(kv: AtomicKv, options: { prefix?: string } = {}) {
    this.#kv = kv;
    this.#prefix = options.prefix ?? "bcast:";
  }

  /** Records (or renews) `workerId`'s subscription to `channel`, delivering to `inbox`. */
  async subscribe(channel: string, workerId: string, inbox: string, ttl: Duration): Promise<void> {
    await this.#kv.set(this.#key(channel, workerId), inbox, { ttl });
  }

  /** Removes `workerId`'s subscription to `channel`. */
  async unsubscribe(channel: string, workerId: string): Promise<void> {
    await this.#kv.delete(this.#key(channel, workerId));
  }

  /** The distinct inbox queues subscribed to `channel` now. */
  async inboxes(channel: string): Promise<string[]> {
    const out = new Set<string>();
    let after: string | undefined;
    for (;;) {
      const page = await this.#kv.list(`${this.#prefix}${channel}/`, { after, limit: 500 });
      for (const entry of page) out.add(entry.value);
      if (page.length < 500) return [...out];
      after = page[page.length - 1].key;
    }
  }

  #key(channel: string, workerId: string): string {
    // "/" never occurs in a channel name, so one channel's prefix never lists another's.
    return `${this.#prefix}${channel}/${workerId}`;
  }
}
