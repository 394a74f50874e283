import type { Broker } from "../../../broker/broker.ts";
import type { TestApi } from "../../contract_harness.ts";
import { registerCases } from "../contract_case.ts";
import { type BrokerTestContext, brokerTestContext, type FaultyBroker } from "./broker_context.ts";
import { brokerCases } from "./cases.ts";

export type {
  BrokerCase,
  BrokerSuiteCapabilities,
  BrokerTestContext,
  FaultyBroker,
} from "./broker_context.ts";
export { brokerCases } from "./cases.ts";

/** How a broker plugs into {@link runBrokerContract}. */
export interface BrokerContractOptions {
  /** Adapter name shown in test titles. */
  name: string;
  /** The test framework: the exports of the runtime's `node:test`. */
  api: TestApi;
  /**
   * Makes a fresh broker (fresh namespace) for one test; `dispose` closes it.
   * @default dispose closes the broker
   */
  create: () => Promise<{ broker: Broker; dispose?: () => Promise<void> }>;
  /** The capabilities of the brokers `create` makes (read before tests are registered). */
  capabilities: Broker["capabilities"];
  /** Multiplies the short waits (leases, delays) for adapters whose timing is coarse. @default 1 */
  timeScale?: number;
  /**
   * Makes a broker whose settles can be broken deterministically (a lock held by another
   * connection, a fault injected under the adapter's settle calls). Without it the
   * throwing-settle case is skipped with `noSettleFaults` as the reason.
   */
  createFaulty?: () => Promise<FaultyBroker>;
  /** Why `createFaulty` is missing. @default "the fixture has no way to make settles fail" */
  noSettleFaults?: string;
}

/**
 * Registers the Broker conformance cases; a case needing a capability the broker lacks is
 * skipped with the flag's name as the reason.
 *
 * @example
 * ```ts ignore
 * import * as api from "node:test";
 * const broker = await MyBroker.connect(url);
 * runBrokerContract({
 *   name: "my-broker",
 *   api,
 *   capabilities: broker.capabilities,
 *   create: async () => ({ broker: await MyBroker.connect(url) }),
 * });
 * ```
 */
export function runBrokerContract(options: BrokerContractOptions): void {
  const disposers = new WeakMap<BrokerTestContext, () => Promise<void>>();
  registerCases({
    title: `Broker contract: ${options.name}`,
    api: options.api,
    capabilities: {
      ...options.capabilities,
      noSettleFaults: options.createFaulty
        ? false
        : options.noSettleFaults ?? "the fixture has no way to make settles fail",
    },
    open: async () => {
      const { broker, dispose } = await options.create();
      const t = brokerTestContext(broker, options.timeScale ?? 1, options.createFaulty ?? null);
      disposers.set(t, dispose ?? (() => broker.close()));
      return t;
    },
    close: async (t) => {
      await t.cleanup();
      await t.broker.purge(t.queue).catch(() => 0);
      await disposers.get(t)!();
    },
  }, brokerCases);
}
