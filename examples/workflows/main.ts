// Runs the original Stem's two workflow programs in memory:
// `deno run -A examples/workflows/main.ts` or `bun examples/workflows/main.ts`.
import { StemWorkflowApp } from "../../mod.ts";
import { demoWorkflow, ordersWorkflow } from "./seed_programs.ts";

const orders = ordersWorkflow({
  chargeCustomer: (userId) => Promise.resolve({ id: `order-${userId}`, userId }),
  fetchShipment: (id) => Promise.resolve({ isComplete: true, value: `${id} delivered` }),
  sendReceiptEmail: (checkout) => {
    console.log(`receipt sent to user ${checkout.userId}`);
    return Promise.resolve();
  },
  pollEvery: "1s",
});
const app = await StemWorkflowApp.inMemory({ flows: [demoWorkflow], scripts: [orders] });
await app.start();

const runId = await app.startWorkflow("demo.workflow");
console.log("demo.workflow:", (await app.waitForCompletion(runId, { timeout: "10s" })).status);

const orderRun = await app.startWorkflow(orders, { userId: "42" });
const done = await app.waitForCompletion(orders, orderRun, { timeout: "10s" });
console.log("orders.workflow:", done.status, done.value);
for (const step of await app.listSteps(orderRun)) console.log(`  ${step.name}:`, step.value);
await app.shutdown();
