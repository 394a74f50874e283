import type { StatusStore, StatusStoreCapabilities } from "../../../backend/status_store.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { statusCases } from "./cases.ts";

export type { StatusCase } from "./cases.ts";
export { statusCases } from "./cases.ts";

/**
 * Registers the StatusStore conformance cases. The cross-instance watch case needs `peer` from
 * `create` and is skipped when `capabilities.crossProcessWatch` is false.
 *
 * @example
 * ```ts ignore
 * runStatusStoreContract({ name: "mine", api, capabilities: { crossProcessWatch: true },
 *   create: async () => { const store = await MyStore.connect(url);
 *     return { store, dispose: () => store.close() }; } });
 * ```
 */
export function runStatusStoreContract(
  options: StoreSuiteOptions<StatusStore, StatusStoreCapabilities>,
): void {
  runStoreSuite("StatusStore", options, statusCases);
}
