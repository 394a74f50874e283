import type { LockStore } from "../../../locks/lock_store.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { lockCases } from "./cases.ts";

export type { LockCase } from "./cases.ts";
export { lockCases } from "./cases.ts";

/**
 * Registers the LockStore conformance cases.
 *
 * @example
 * ```ts ignore
 * runLockStoreContract({ name: "mine", api, capabilities: {},
 *   create: async () => ({ store: new KvLockStore(kv), dispose: async () => {} }) });
 * ```
 */
export function runLockStoreContract(
  options: StoreSuiteOptions<LockStore, Record<never, never>>,
): void {
  runStoreSuite("LockStore", options, lockCases);
}
