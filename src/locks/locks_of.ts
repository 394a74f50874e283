import type { StoreSet } from "../core/adapter.ts";
import { KvLockStore } from "./kv_lock_store.ts";
import type { LockStore } from "./lock_store.ts";

/** The set's own lock store, or one over its kv (the generic fallback every adapter gets). */
export function locksOf(stores: Pick<StoreSet, "kv" | "locks">): LockStore {
  return stores.locks ?? new KvLockStore(stores.kv);
}
