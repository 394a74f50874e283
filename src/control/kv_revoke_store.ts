import type { AtomicKv } from "../kv/atomic_kv.ts";
import { DEFAULT_REVOKE_TTL_MS, type RevokeEntry, type RevokeStore } from "./revoke_store.ts";

/** Key prefix of revocations in an {@link AtomicKv}. */
export const REVOKE_KEY_PREFIX = "revoke:";

const PAGE = 500;
/** Rounds of compare-and-set before a concurrent writer is assumed to have won. */
const MAX_RACES = 8;

/**
 * The one {@link RevokeStore}: each revocation is a JSON value under `revoke:<taskId>` whose TTL
 * is its expiry, replaced only by a higher version (compare-and-set, so two writers racing keep
 * the newer entry).
 *
 * @example
 * ```ts
 * import { KvRevokeStore } from "./kv_revoke_store.ts";
 * import { InMemoryKv } from "../../adapters/memory/memory_kv.ts";
 * const revokes = new KvRevokeStore(new InMemoryKv());
 * await revokes.upsertAll([{ taskId: "t1", version: 1, terminate: false, reason: "stale",
 *   revokedAt: 0, expiresAt: null }]);
 * ```
 */
export class KvRevokeStore implements RevokeStore {
  readonly #kv: AtomicKv;

  /** Stores revocations in `kv`. */
  constructor(kv: AtomicKv) {
    this.#kv = kv;
  }

  /** Stores each entry unless a higher or equal version is already there. */
  async upsertAll(entries: RevokeEntry[]): Promise<void> {
    const now = await this.#kv.now();
    for (const entry of entries) await this.#upsert(entry, now);
  }

  async #upsert(entry: RevokeEntry, now: number): Promise<void> {
    const ttl = entry.expiresAt === null ? DEFAULT_REVOKE_TTL_MS : entry.expiresAt - now;
    if (ttl <= 0) return;
    const key = REVOKE_KEY_PREFIX + entry.taskId;
    const value = JSON.stringify(entry);
    for (let round = 0; round < MAX_RACES; round++) {
      const current = await this.#kv.get(key);
      if (current === null) {
        if (await this.#kv.setIfAbsent(key, value, { ttl })) return;
        continue;
      }
      const stored = parse(current);
      if (stored && stored.version >= entry.version) return;
      if (await this.#kv.compareAndSet(key, current, value, { ttl })) return;
    }
  }

  /** The live entry of a task, or null. */
  async get(taskId: string): Promise<RevokeEntry | null> {
    return parse(await this.#kv.get(REVOKE_KEY_PREFIX + taskId));
  }

  /** Every live entry, in task-id order. */
  async list(): Promise<RevokeEntry[]> {
    return (await this.#raw()).map(([, entry]) => entry);
  }

  /** Deletes entries that have lapsed by `now` (the kv's TTL usually got there first). */
  async pruneExpired(now: number): Promise<number> {
    let pruned = 0;
    for (const [value, entry] of await this.#raw()) {
      if (entry.expiresAt === null || entry.expiresAt > now) continue;
      // Only the value read: a newer revocation written meanwhile stays.
      if (await this.#kv.compareAndDelete(REVOKE_KEY_PREFIX + entry.taskId, value)) pruned++;
    }
    return pruned;
  }

  async #raw(): Promise<[string, RevokeEntry][]> {
    const out: [string, RevokeEntry][] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.#kv.list(REVOKE_KEY_PREFIX, { limit: PAGE, after });
      for (const item of page) {
        const entry = parse(item.value);
        if (entry) out.push([item.value, entry]);
      }
      if (page.length < PAGE) return out;
      after = page[page.length - 1].key;
    }
  }
}

function parse(value: string | null): RevokeEntry | null {
  if (value === null) return null;
  try {
    const entry = JSON.parse(value) as RevokeEntry;
    return typeof entry?.taskId === "string" && typeof entry.version === "number" ? entry : null;
  } catch {
    // Something else under the prefix is not a revocation; skip it.
    return null;
  }
}
