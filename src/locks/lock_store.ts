import type { Duration } from "../core/duration.ts";

/**
 * Named leases with an owner and a TTL, shared by every process on the same storage. A lock
 * whose owner stops renewing it expires, so a crashed holder never blocks others for longer than
 * its TTL. Unique tasks and queue concurrency are written over it.
 */
export interface LockStore {
  /**
   * Takes `key` for `owner` for `ttl`; true when it is now held by `owner`. Acquiring a lock the
   * same owner already holds succeeds and restarts its TTL.
   */
  acquire(key: string, owner: string, ttl: Duration): Promise<boolean>;
  /** Restarts the TTL of a lock `owner` holds; false when it is not (or no longer) theirs. */
  renew(key: string, owner: string, ttl: Duration): Promise<boolean>;
  /** Releases a lock `owner` holds; false (and nothing changes) when someone else holds it. */
  release(key: string, owner: string): Promise<boolean>;
  /** The current owner of `key`; null when the lock is free or expired. */
  ownerOf(key: string): Promise<string | null>;
}
