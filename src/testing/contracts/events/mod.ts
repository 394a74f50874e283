import type { EventBus, EventBusCapabilities } from "../../../workflow/event_bus.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { eventBusCases } from "./cases.ts";

export type { EventBusCase } from "./cases.ts";
export { eventBusCases } from "./cases.ts";

/** Registers the EventBus conformance cases. */
export function runEventBusContract(
  options: StoreSuiteOptions<EventBus, EventBusCapabilities>,
): void {
  runStoreSuite("EventBus", options, eventBusCases);
}
