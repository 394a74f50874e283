/**
 * Every broker case, in the order they run. To add cases, write a `<topic>_cases.ts` exporting a
 * `BrokerCase[]` and list it here.
 *
 * @module
 */
import type { BrokerCase } from "./broker_context.ts";
import { deliveryCases } from "./delivery_cases.ts";
import { leaseCases } from "./lease_cases.ts";
import { scheduleCases } from "./schedule_cases.ts";
import { settleCases } from "./settle_cases.ts";

/** The broker suite. */
export const brokerCases: readonly BrokerCase[] = [
  ...deliveryCases,
  ...leaseCases,
  ...scheduleCases,
  ...settleCases,
];
