import { toMillis } from "../../../src/core/duration.ts";
import type { Duration } from "../../../src/core/duration.ts";
import type { LockStore } from "../../../src/locks/lock_store.ts";
import { scripts } from "../_scripts.ts";
import type { RedisTransport } from "../transport.ts";

/**
 * {@link LockStore} on Redis: one string key per lock holding its owner, with a native `PX` TTL;
 * acquire, renew and release are one Lua call each (the generic `KvLockStore` needs up to two
 * kv scripts per acquire and keeps an index for listings locks never use).
 *
 * @example
 * ```ts ignore
 * const locks = new RedisLockStore(transport, { namespace: "stem" });
 * if (await locks.acquire("report", "worker-1", "30s")) await locks.release("report", "worker-1");
 * ```
 */
export class RedisLockStore implements LockStore {
  readonly #transport: RedisTransport;
  readonly #prefix: string;

  /** Uses `transport` (not closed by this store) under `namespace`. @default "stem" */
  constructor(transport: RedisTransport, options: { namespace?: string } = {}) {
    this.#transport = transport;
    this.#prefix = `${options.namespace ?? "stem"}:lock:`;
  }

  /** Takes the lock, or restarts its TTL when `owner` holds it already. */
  acquire(key: string, owner: string, ttl: Duration): Promise<boolean> {
    return this.#run("acquire", key, owner, ttl);
  }

  /** Restarts the TTL when `owner` holds the lock. */
  renew(key: string, owner: string, ttl: Duration): Promise<boolean> {
    return this.#run("renew", key, owner, ttl);
  }

  /** Deletes the lock when `owner` holds it. */
  release(key: string, owner: string): Promise<boolean> {
    return this.#run("release", key, owner, 0);
  }

  /** Reads the owner. */
  async ownerOf(key: string): Promise<string | null> {
    const reply = await this.#transport.command(["GET", this.#prefix + key]);
    return typeof reply === "string" ? reply : null;
  }

  async #run(op: string, key: string, owner: string, ttl: Duration): Promise<boolean> {
    if (typeof owner !== "string" || owner === "") {
      throw new TypeError(`A lock owner must be a non-empty string; got ${JSON.stringify(owner)}.`);
    }
    const ms = Math.max(1, Math.ceil(toMillis(ttl)));
    const reply = await this.#transport.script(scripts.lock, [this.#prefix + key], [
      op,
      owner,
      String(ms),
    ]);
    return Number(reply) === 1;
  }
}
