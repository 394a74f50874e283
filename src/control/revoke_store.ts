/** One revocation: a task that must not run (or must stop, with `terminate`). */
export interface RevokeEntry {
  /** The revoked task's id. */
  taskId: string;
  /** Grows with every change; a store keeps the entry with the highest version. */
  version: number;
  /** Also abort the task if it is running (its `ctx.signal` fires). */
  terminate: boolean;
  /** Why, recorded on the task's `cancelled` status. */
  reason: string;
  /** When it was revoked, epoch ms. */
  revokedAt: number;
  /** When the revocation lapses, epoch ms; null keeps it for the store's default lifetime. */
  expiresAt: number | null;
}

/**
 * Persisted revocations, so a worker that starts later still honours them. Written once over
 * `AtomicKv` ({@link KvRevokeStore}); contract-tested on every adapter.
 */
export interface RevokeStore {
  /** Stores each entry unless the store holds one with a higher or equal version. */
  upsertAll(entries: RevokeEntry[]): Promise<void>;
  /** The live entry of a task, or null. */
  get(taskId: string): Promise<RevokeEntry | null>;
  /** Every live entry, in task-id order. */
  list(): Promise<RevokeEntry[]>;
  /** Deletes entries whose `expiresAt` is at or before `now`; resolves with how many. */
  pruneExpired(now: number): Promise<number>;
}

/** How long a revocation without `expires` is kept: a day, as task statuses are. */
export const DEFAULT_REVOKE_TTL_MS = 86_400_000;
