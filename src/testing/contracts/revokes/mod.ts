import type { RevokeStore } from "../../../control/revoke_store.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { revokeCases } from "./cases.ts";

export type { RevokeCase } from "./cases.ts";
export { revokeCases } from "./cases.ts";

/**
 * Registers the RevokeStore conformance cases.
 *
 * @example
 * ```ts ignore
 * runRevokeStoreContract({ name: "mine", api, capabilities: {},
 *   create: async () => ({ store: new KvRevokeStore(kv), dispose: async () => {} }) });
 * ```
 */
export function runRevokeStoreContract(
  options: StoreSuiteOptions<RevokeStore, Record<never, never>>,
): void {
  runStoreSuite("RevokeStore", options, revokeCases);
}
