import type { HeartbeatStore } from "../../../backend/heartbeat_store.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { heartbeatCases } from "./cases.ts";

export type { HeartbeatCase } from "./cases.ts";
export { heartbeatCases } from "./cases.ts";

/**
 * Registers the HeartbeatStore conformance cases.
 *
 * @example
 * ```ts ignore
 * runHeartbeatStoreContract({ name: "mine", api, capabilities: {},
 *   create: async () => ({ store: new KvHeartbeatStore(kv), dispose: async () => {} }) });
 * ```
 */
export function runHeartbeatStoreContract(
  options: StoreSuiteOptions<HeartbeatStore, Record<never, never>>,
): void {
  runStoreSuite("HeartbeatStore", options, heartbeatCases);
}
