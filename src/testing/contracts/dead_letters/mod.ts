import type { Broker } from "../../../broker/broker.ts";
import type { DeadLetterStore } from "../../../broker/dead_letter_store.ts";
import type { TestApi } from "../../contract_harness.ts";
import { brokerTestContext } from "../broker/broker_context.ts";
import { registerCases } from "../contract_case.ts";
import { deadLetterCases, type DeadLetterTestContext } from "./cases.ts";

export type { DeadLetterCase, DeadLetterTestContext } from "./cases.ts";
export { deadLetterCases } from "./cases.ts";

/** How an adapter plugs into {@link runDeadLetterContract}. */
export interface DeadLetterContractOptions {
  /** Adapter name shown in test titles. */
  name: string;
  /** The test framework. */
  api: TestApi;
  /** Makes a fresh broker and its dead-letter store for one test. */
  create: () => Promise<
    { broker: Broker; deadLetters: DeadLetterStore; dispose?: () => Promise<void> }
  >;
  /** The brokers' capabilities. */
  capabilities: Broker["capabilities"];
  /** Multiplies the short waits. @default 1 */
  timeScale?: number;
}

/**
 * Registers the DeadLetterStore conformance cases (dead letters are made through the broker).
 *
 * @example
 * ```ts ignore
 * runDeadLetterContract({ name: "mine", api, capabilities, create: async () => {
 *   const broker = await MyBroker.connect(url);
 *   return { broker, deadLetters: broker };
 * } });
 * ```
 */
export function runDeadLetterContract(options: DeadLetterContractOptions): void {
  const disposers = new WeakMap<DeadLetterTestContext, () => Promise<void>>();
  registerCases({
    title: `DeadLetterStore contract: ${options.name}`,
    api: options.api,
    capabilities: { ...options.capabilities, noSettleFaults: false },
    open: async () => {
      const { broker, deadLetters, dispose } = await options.create();
      const t = { ...brokerTestContext(broker, options.timeScale ?? 1), deadLetters };
      disposers.set(t, dispose ?? (() => broker.close()));
      return t;
    },
    close: async (t) => {
      await t.cleanup();
      await t.broker.purge(t.queue).catch(() => 0);
      await t.deadLetters.purgeDeadLetters(t.queue).catch(() => 0);
      await disposers.get(t)!();
    },
  }, deadLetterCases);
}
