// Typed event refs, retries counted per step, and the recovery sweep for a run whose
// continuation was never enqueued (the process died between resolving its event and the
// enqueue), on memory and SQLite with a fake clock (no real sleeps).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  defineEvent,
  Flow,
  InvalidEventPayloadError,
  StemWorkflowApp,
  WorkflowScript,
} from "../mod.ts";
import { FakeClock } from "../src/testing/mod.ts";
import { appStores } from "./helpers/app_stores.ts";

const stores = await appStores(["memory", "sqlite"]);

interface Paid {
  orderId: string;
  cents: number;
}
const paid = defineEvent<Paid>("order.paid", {
  parse: (p) => {
    const v = p as Partial<Paid> | null;
    if (typeof v?.orderId !== "string" || typeof v.cents !== "number") {
      throw new TypeError("expected { orderId: string, cents: number }");
    }
    return v as Paid;
  },
});

const checkout = new WorkflowScript<{ orderId: string }, string>({
  name: "typed.checkout",
  maxRetries: 5,
  retryDelay: 0,
  run: (script) =>
    script.step("pay", async (step) => {
      const payment = await step.awaitEvent(paid.key(step.params.orderId));
      // `payment` is `Paid | null`: the ref types it.
      return payment ? `${payment.orderId}:${payment.cents}` : "timed out";
    }),
});

for (const store of stores) {
  describe(
    `workflow events and retries on ${store.name}`,
    { skip: store.skip || undefined },
    () => {
      const open = (clock: FakeClock, extra: Record<string, unknown> = {}) =>
        StemWorkflowApp.fromUrl(store.url(), {
          ...store.options(),
          scripts: [checkout],
          clock,
          pollInterval: "1s",
          ...extra,
        });

      test("a typed event delivers its payload; a bad one is refused or fails the run", async () => {
        const clock = new FakeClock(Date.UTC(2024, 0, 1));
        const app = await open(clock);
        await app.start();
        const waiting = (n: number) =>
          new Promise<void>((resolve) => {
            let seen = 0;
            const off = app.signals.workflowRunSuspended.connect(() => {
              if (++seen === n) {
                off();
                resolve();
              }
            });
          });
        const suspended = waiting(2);
        const good = await app.startWorkflow(checkout, { orderId: "o1" });
        const bad = await app.startWorkflow(checkout, { orderId: "o2" });
        await suspended;
        assert.equal(paid.key("o1").topic, "order.paid.o1");

        await assert.rejects(
          // deno-lint-ignore no-explicit-any
          app.emit(paid.key("o1"), { orderId: "o1" } as any),
          (e: unknown) =>
            e instanceof InvalidEventPayloadError && e.code === "invalid-event-payload",
        );
        assert.equal((await app.listWatchers("order.paid.o1")).length, 1, "nothing was delivered");
        assert.equal(await app.emit(paid.key("o1"), { orderId: "o1", cents: 1200 }), 1);
        const done = await app.waitForCompletion(checkout, good, { timeout: "20s" });
        assert.equal(done.value, "o1:1200");

        // An untyped emitter (a string topic, like `stem wf emit`) bypasses the type: the waiter's
        // parse fails the run at once with the reason, no retries on a payload that cannot change.
        assert.equal(await app.emit("order.paid.o2", { cents: "lots" }), 1);
        const failed = await app.waitForCompletion(checkout, bad, { timeout: "20s" });
        assert.equal(failed.status, "failed");
        assert.equal(failed.error?.code, "invalid-event-payload");
        assert.equal(failed.error?.attempt, 1);
        await app.shutdown();
      });

      test("retries are counted per step, not per execution", async () => {
        const clock = new FakeClock(Date.UTC(2024, 0, 1));
        const fails: Record<string, number> = { a: 2, b: 2 };
        const tries: Record<string, number> = { a: 0, b: 0 };
        const flaky = new Flow<Record<string, never>, string>({
          name: "flaky.two",
          maxRetries: 2,
          retryDelay: 0,
          build: (flow) => {
            for (const name of ["a", "b"]) {
              flow.step(name, () => {
                tries[name]++;
                if (fails[name]-- > 0) throw new Error(`${name} not yet`);
                return name;
              });
            }
          },
        });
        const app = await open(clock, { scripts: [], flows: [flaky] });
        await app.start();
        const runId = await app.startWorkflow(flaky, {});
        const done = await app.waitForCompletion(flaky, runId, { timeout: "20s" });
        // Four failures in one run, but never more than two in a row for one step.
        assert.equal(done.status, "completed", JSON.stringify(done.error));
        assert.deepEqual(tries, { a: 3, b: 3 });
        await app.shutdown();
      });

      test("a run resolved by an event whose continuation was never enqueued is recovered", async () => {
        const clock = new FakeClock(Date.UTC(2024, 0, 1));
        const app = await open(clock);
        await app.start();
        const suspended = app.signals.workflowRunSuspended.next();
        const runId = await app.startWorkflow(checkout, { orderId: "o3" });
        await suspended;
        // What `emit` does up to its crash point: the watcher is resolved in the store, and then
        // the process dies before it enqueues the continuation.
        const resolved = await app.runtime.store.resolveWatchers("order.paid.o3", {
          orderId: "o3",
          cents: 5,
        });
        assert.equal(resolved.length, 1);
        assert.equal((await app.getRun(runId))?.status, "running");
        const recovered = app.signals.workflowRunResumed.next((e) => e.reason === "recovered");
        const completed = app.signals.workflowRunCompleted.next((e) => e.runId === runId);
        await clock.tick(31_000); // a lease length without change, then the next sweep
        await recovered;
        await completed;
        assert.equal((await app.waitForCompletion(checkout, runId)).value, "o3:5");
        await app.shutdown();
      });
    },
  );
}

// Type-level proof (checked by `deno check`/`deno task check`, never run): a wrong payload for a
// typed event is a compile error at the emitter and the waiter receives the payload type.
export function typedEventsTypeCheck(app: StemWorkflowApp): void {
  // @ts-expect-error cents must be a number
  void app.emit(paid, { orderId: "x", cents: "12" });
  // @ts-expect-error orderId is required
  void app.emit(paid, { cents: 12 });
  void app.emit(paid, { orderId: "x", cents: 12 });
}
