// The original Stem's README workflow programs (examples/workflows/seed_programs.ts) as written,
// on memory and on a SQLite file, the sleeps driven by a fake clock.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StemWorkflowApp } from "../mod.ts";
import { FakeClock } from "../src/testing/mod.ts";
import {
  type Checkout,
  demoWorkflow,
  ordersWorkflow,
  type ShipmentStatus,
} from "../examples/workflows/seed_programs.ts";

const stores: {
  name: string;
  open: (
    options: Parameters<typeof StemWorkflowApp.inMemory>[0],
  ) => Promise<{ app: StemWorkflowApp; dispose: () => void }>;
}[] = [
  {
    name: "memory",
    open: async (options) => ({ app: await StemWorkflowApp.inMemory(options), dispose: () => {} }),
  },
  {
    name: "sqlite",
    open: async (options) => {
      const dir = mkdtempSync(join(tmpdir(), "stem-seed-wf-"));
      const app = await StemWorkflowApp.sqlite(join(dir, "wf.db"), options);
      return { app, dispose: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
];

/** The order services with every call recorded; `shipments` answers the polls in turn. */
function services(shipments: ShipmentStatus[]) {
  const calls = { charged: [] as string[], polled: 0, emailed: [] as Checkout[] };
  const orders = ordersWorkflow({
    chargeCustomer: (userId) => {
      calls.charged.push(userId);
      return Promise.resolve({ id: `order-${userId}`, userId });
    },
    fetchShipment: () => Promise.resolve(shipments[Math.min(calls.polled++, shipments.length - 1)]),
    sendReceiptEmail: (checkout) => {
      calls.emailed.push(checkout);
      return Promise.resolve();
    },
  });
  return { orders, calls };
}

/**
 * Runs `orders.workflow` for `userId` on a fake clock: starts it, reads the run while it sleeps,
 * moves the clock past the 30 s sleep and waits for the run to finish.
 */
async function runOrder(store: (typeof stores)[number], shipment: ShipmentStatus, userId: string) {
  const clock = new FakeClock(Date.UTC(2026, 0, 1));
  const { orders, calls } = services([shipment]);
  const { app, dispose } = await store.open({ scripts: [orders], clock, pollInterval: "1s" });
  try {
    await app.start();
    const suspended = app.signals.workflowRunSuspended.next();
    const runId = await app.startWorkflow(orders, { userId });
    await suspended;
    const sleptAt = clock.now();
    const asleep = await app.getRun(runId);
    const polledAsleep = calls.polled;
    const completed = app.signals.workflowRunCompleted.next((e) => e.runId === runId);
    await clock.tick(31_000);
    await completed;
    const { value } = await app.waitForCompletion(orders, runId);
    const steps = (await app.listSteps(runId)).map((s) => [s.name, s.value]);
    return { asleep, sleptAt, polledAsleep, value, steps, calls };
  } finally {
    await app.shutdown();
    dispose();
  }
}

for (const store of stores) {
  describe(`the original's workflow programs (${store.name})`, () => {
    test("demo.workflow started by name completes with done", async () => {
      const { app, dispose } = await store.open({ flows: [demoWorkflow] });
      try {
        await app.start();
        const runId = await app.startWorkflow("demo.workflow");
        const state = await app.waitForCompletion(runId, { timeout: "10s" });
        assert.equal(state.status, "completed");
        assert.equal(state.value, "done");
      } finally {
        await app.shutdown();
        dispose();
      }
    });

    test("orders.workflow charges once, sleeps 30 s, polls the shipment and emails the receipt", async () => {
      const run = await runOrder(store, { isComplete: true, value: "delivered" }, "42");
      assert.equal(run.asleep?.status, "suspended");
      assert.equal(run.asleep?.resumeAt, run.sleptAt + 30_000, "the sleep's wake time is stored");
      assert.equal(run.polledAsleep, 0, "nothing is polled before the first sleep ends");
      assert.equal(run.value, "emailed");
      assert.deepEqual(run.calls.charged, ["42"], "the checkpointed charge is not repeated");
      assert.equal(run.calls.polled, 1);
      assert.deepEqual(run.calls.emailed, [{ id: "order-42", userId: "42" }]);
      assert.deepEqual(run.steps, [
        ["checkout", { id: "order-42", userId: "42" }],
        ["poll-shipment#0", "delivered"],
        ["notify", "emailed"],
      ]);
    });

    test("a shipment not complete after the sleep stores waiting, as in the original", async () => {
      // The second sleep of a resumed step returns at once: its stored wake time has passed.
      const run = await runOrder(store, { isComplete: false, value: "in transit" }, "7");
      assert.equal(run.value, "emailed");
      assert.equal(run.calls.polled, 1);
      assert.deepEqual(run.steps, [
        ["checkout", { id: "order-7", userId: "7" }],
        ["poll-shipment#0", "waiting"],
        ["notify", "emailed"],
      ]);
    });
  });
}
