import type { AtomicKv, AtomicKvCapabilities } from "../../../kv/atomic_kv.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { kvCases } from "./cases.ts";

export type { KvCase } from "./cases.ts";
export { kvCases } from "./cases.ts";

/**
 * Registers the AtomicKv conformance cases. With `fakeClock: true`, `create` receives a
 * FakeClock (in `time.fake`) and TTLs are tested by ticking it; otherwise by real short TTLs.
 *
 * @example
 * ```ts ignore
 * runAtomicKvContract({ name: "mine", api, capabilities: { serverTime: true },
 *   create: async () => ({ store: new MyKv(client), dispose: async () => {} }) });
 * ```
 */
export function runAtomicKvContract(
  options: StoreSuiteOptions<AtomicKv, AtomicKvCapabilities>,
): void {
  runStoreSuite("AtomicKv", options, kvCases);
}
