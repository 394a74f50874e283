import type { Duration } from "../core/duration.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";
import type { LockStore } from "./lock_store.ts";

/** Options of {@link KvLockStore}. */
export interface KvLockStoreOptions {
  /** Prefix of every lock key inside the kv. @default "lock:" */
  prefix?: string;
}

/**
 * A {@link LockStore} written once over {@link AtomicKv}: a lock is one key whose value is its
 * owner, so every operation is a single atomic kv call (two on the re-acquire path).
 *
 * @example
 * ```ts
 * import { KvLockStore } from "./kv_lock_store.ts";
 * import type { AtomicKv } from "../kv/atomic_kv.ts";
 * declare const kv: AtomicKv; // app.stores.kv
 * const locks = new KvLockStore(kv);
 * if (await locks.acquire("report:2026-12", "worker-1", "30s")) {
 *   await locks.release("report:2026-12", "worker-1");
 * }
 * ```
 */
export class KvLockStore implements LockStore {
  readonly #kv: AtomicKv;
  readonly #prefix: string;

  /** Locks over `kv`, under `prefix`. */
  constructor(kv: AtomicKv, options: KvLockStoreOptions = {}) {
    this.#kv = kv;
    this.#prefix = options.prefix ?? "lock:";
  }

  /** Takes the lock, or restarts its TTL when `owner` holds it already. */
  async acquire(key: string, owner: string, ttl: Duration): Promise<boolean> {
    checkOwner(owner);
    const k = this.#prefix + key;
    if (await this.#kv.setIfAbsent(k, owner, { ttl })) return true;
    return await this.#kv.compareAndSet(k, owner, owner, { ttl });
  }

  /** Restarts the TTL when `owner` holds the lock. */
  async renew(key: string, owner: string, ttl: Duration): Promise<boolean> {
    checkOwner(owner);
    return await this.#kv.compareAndSet(this.#prefix + key, owner, owner, { ttl });
  }

  /** Deletes the lock when `owner` holds it. */
  async release(key: string, owner: string): Promise<boolean> {
    checkOwner(owner);
    return await this.#kv.compareAndDelete(this.#prefix + key, owner);
  }

  /** Reads the owner. */
  async ownerOf(key: string): Promise<string | null> {
    return await this.#kv.get(this.#prefix + key);
  }
}

function checkOwner(owner: string): void {
  if (typeof owner !== "string" || owner === "") {
    throw new TypeError(`A lock owner must be a non-empty string; got ${JSON.stringify(owner)}.`);
  }
}
