import type { ScheduleStore } from "../../../scheduler/schedule_store.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { scheduleCases, type ScheduleStoreCapabilities } from "./cases.ts";

export type { ScheduleCase, ScheduleStoreCapabilities } from "./cases.ts";
export { scheduleCases } from "./cases.ts";

/**
 * Registers the ScheduleStore conformance cases.
 *
 * @example
 * ```ts ignore
 * runScheduleStoreContract({ name: "mine", api, capabilities: {},
 *   create: async () => ({ store: new KvScheduleStore(kv), dispose: async () => {} }) });
 * ```
 */
export function runScheduleStoreContract(
  options: StoreSuiteOptions<ScheduleStore, ScheduleStoreCapabilities>,
): void {
  runStoreSuite("ScheduleStore", options, scheduleCases);
}
