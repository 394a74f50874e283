import type { GroupStore } from "../../../backend/group_store.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { groupCases } from "./cases.ts";

export type { GroupCase } from "./cases.ts";
export { groupCases } from "./cases.ts";

/**
 * Registers the GroupStore conformance cases.
 *
 * @example
 * ```ts ignore
 * runGroupStoreContract({ name: "mine", api, capabilities: {},
 *   create: async () => { const store = await MyStore.connect(url);
 *     return { store, dispose: () => store.close() }; } });
 * ```
 */
export function runGroupStoreContract(
  options: StoreSuiteOptions<GroupStore, Record<never, never>>,
): void {
  runStoreSuite("GroupStore", options, groupCases);
}
