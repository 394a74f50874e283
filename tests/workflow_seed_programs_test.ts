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
      const clock = new FakeClock(Date.UTC(2026, 0, 1));
      const { orders, calls } = services([{ isComplete: true, value: "delivered" }]);
      const { app, dispose } = await store.open({ scripts: [orders], clock, pollInterval: "1s" });
      try {
        await app.start();
        const suspended = app.signals.workflowRunSuspended.next();
        const runId = await app.startWorkflow(orders, { userId: "42" });
        await suspended;
        const waiting = await app.getRun(runId);
        assert.equal(waiting?.status, "suspended");
        assert.equal(waiting?.resumeAt, clock.now() + 30_000, "the sleep's wake time is stored");
        assert.equal(calls.polled, 0, "nothing is polled before the first sleep ends");
        const completed = app.signals.workflowRunCompleted.next((e) => e.runId === runId);
        await clock.tick(31_000);
        await completed;
        const done = await app.waitForCompletion(orders, runId);
        assert.equal(done.value, "emailed");
        assert.deepEqual(calls.charged, ["42"], "the checkpointed charge is not repeated");
        assert.equal(calls.polled, 1);
        assert.deepEqual(calls.emailed, [{ id: "order-42", userId: "42" }]);
        assert.deepEqual((await app.listSteps(runId)).map((s) => [s.name, s.value]), [
          ["checkout", { id: "order-42", userId: "42" }],
          ["poll-shipment#0", "delivered"],
          ["notify", "emailed"],
        ]);
      } finally {
        await app.shutdown();
        dispose();
      }
    });

    test("a shipment not complete after the sleep stores waiting, as in the original", async () => {
      // The second sleep of a resumed step returns at once: its stored wake time has passed.
      const clock = new FakeClock(Date.UTC(2026, 0, 1));
      const { orders, calls } = services([{ isComplete: false, value: "in transit" }]);
      const { app, dispose } = await store.open({ scripts: [orders], clock, pollInterval: "1s" });
      try {
        await app.start();
        const suspended = app.signals.workflowRunSuspended.next();
        const runId = await app.startWorkflow(orders, { userId: "7" });
        await suspended;
        const completed = app.signals.workflowRunCompleted.next((e) => e.runId === runId);
        await clock.tick(31_000);
        await completed;
        assert.equal((await app.waitForCompletion(orders, runId)).value, "emailed");
        assert.equal(calls.polled, 1);
        assert.deepEqual((await app.listSteps(runId)).map((s) => [s.name, s.value]), [
          ["checkout", { id: "order-7", userId: "7" }],
          ["poll-shipment#0", "waiting"],
          ["notify", "emailed"],
        ]);
      } finally {
        await app.shutdown();
        dispose();
      }
    });
  });
}
