/**
 * The original Stem's two workflow programs from its README, in TypeScript: `demo.workflow` (a
 * Flow with one step, started by name) and `orders.workflow` (a WorkflowScript that charges,
 * waits for the shipment with an auto-versioned sleeping step, then sends the receipt).
 * `tests/workflow_seed_programs_test.ts` runs both; `main.ts` runs them in memory.
 *
 * @module
 */
import { Flow, WorkflowScript } from "../../mod.ts";
import type { Duration } from "../../mod.ts";

/** One step that returns "done". */
export const demoWorkflow: Flow<Record<string, never>, string> = new Flow({
  name: "demo.workflow",
  build: (flow) => {
    flow.step("hello", () => "done");
  },
});

/** A charge made by {@link OrderServices.chargeCustomer}. */
export interface Checkout {
  /** The order's id, used to look the shipment up. */
  readonly id: string;
  /** Who paid. */
  readonly userId: string;
}

/** A shipment lookup: `value` is what the poll step stores once `isComplete`. */
export interface ShipmentStatus {
  /** Whether the parcel was delivered. */
  readonly isComplete: boolean;
  /** The tracking result. */
  readonly value: string;
}

/** The outside world `orders.workflow` talks to (injected so a test can count the calls). */
export interface OrderServices {
  /** Charges the customer; runs once per order (its result is checkpointed). */
  chargeCustomer(userId: string): Promise<Checkout>;
  /** Looks up the shipment of an order. */
  fetchShipment(orderId: string): Promise<ShipmentStatus>;
  /** Emails the receipt. */
  sendReceiptEmail(checkout: Checkout): Promise<void>;
  /** Gap between shipment polls. @default "30s" */
  pollEvery?: Duration;
}

/**
 * The seed's `orders.workflow`. As in the original, a resumed step's second `sleep` returns at
 * once (its wake time has passed), so the poll step stores "waiting" when the shipment is not
 * complete on the first look after the sleep.
 */
export function ordersWorkflow(
  services: OrderServices,
): WorkflowScript<{ userId: string }, string> {
  const pollEvery = services.pollEvery ?? "30s";
  return new WorkflowScript<{ userId: string }, string>({
    name: "orders.workflow",
    run: async (script) => {
      const checkout = await script.step(
        "checkout",
        (step) => services.chargeCustomer(step.params.userId),
      );
      await script.step("poll-shipment", async (step) => {
        const resume = step.takeResumeData();
        if (resume !== true) {
          await step.sleep(pollEvery);
          return "waiting";
        }
        const status = await services.fetchShipment(checkout.id);
        if (!status.isComplete) {
          await step.sleep(pollEvery);
          return "waiting";
        }
        return status.value;
      }, { autoVersion: true });
      const receipt = await script.step("notify", async () => {
        await services.sendReceiptEmail(checkout);
        return "emailed";
      });
      return receipt;
    },
  });
}
