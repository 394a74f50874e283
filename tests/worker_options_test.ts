import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  FunctionTaskHandler,
  InMemoryBroker,
  InMemoryResultBackend,
  SimpleTaskRegistry,
  Stem,
  type TaskContext,
  Worker,
} from "../mod.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";
import { gate } from "./helpers/app.ts";

/** An edge-style producer (no registry) and a worker whose handler carries the options. */
function edgeSetup(handler: FunctionTaskHandler<unknown>) {
  const clock = new FakeClock();
  const broker = new InMemoryBroker({ clock });
  const backend = new InMemoryResultBackend({ clock });
  const producer = new Stem({ broker, backend, clock });
  const worker = new Worker({
    broker,
    backend,
    clock,
    registry: new SimpleTaskRegistry([handler]),
    random: () => 1,
  });
  return { clock, broker, backend, producer, worker };
}

describe("The worker's own handler options apply when the producer sets none", () => {
  test("maxRetries and retryPolicy come from the worker's handler", async () => {
    const attempts: number[] = [];
    const { clock, producer, worker } = edgeSetup(
      new FunctionTaskHandler({
        name: "flaky",
        options: { maxRetries: 2, retryPolicy: { defaultDelay: 100, jitter: false } },
        entrypoint: (ctx) => {
          attempts.push(ctx.attempt);
          if (ctx.attempt < 2) throw new Error("not yet");
          return "third time";
        },
      }),
    );
    await worker.start();
    const id = await producer.enqueue("flaky");
    await clock.tick(100);
    await clock.tick(100);
    const result = await producer.waitForTask(id);
    assert.equal(result.value, "third time");
    assert.deepEqual(attempts, [0, 1, 2]);
    await worker.shutdown();
  });

  test("an enqueue-time option still wins over the worker's handler", async () => {
    let runs = 0;
    const { producer, worker } = edgeSetup(
      new FunctionTaskHandler({
        name: "flaky",
        options: { maxRetries: 2 },
        entrypoint: () => {
          runs++;
          throw new Error("always");
        },
      }),
    );
    await worker.start();
    const id = await producer.enqueue("flaky", { options: { maxRetries: 0 } });
    assert.equal((await producer.waitForTask(id)).status?.state, "failed");
    assert.equal(runs, 1, "maxRetries: 0 from the producer means one run");
    await worker.shutdown();
  });

  test("the worker's hard limit aborts and fails the task", async () => {
    let signal: AbortSignal | undefined;
    const { clock, producer, worker } = edgeSetup(
      new FunctionTaskHandler({
        name: "slow",
        options: { hardTimeLimit: "1s" },
        entrypoint: (ctx: TaskContext) =>
          new Promise((_, reject) => {
            signal = ctx.signal;
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason));
          }),
      }),
    );
    await worker.start();
    const id = await producer.enqueue("slow");
    await clock.tick(0);
    await clock.tick(1_000);
    const result = await producer.waitForTask(id);
    assert.equal(result.status?.state, "failed");
    assert.equal(result.status?.error?.code, "task-timeout");
    assert.equal(signal?.aborted, true);
    await worker.shutdown();
  });

  test("the worker's visibilityTimeout sets the lease of a task enqueued without one", async () => {
    const release = gate();
    let runs = 0;
    const { clock, broker, producer, worker } = edgeSetup(
      new FunctionTaskHandler({
        name: "long",
        options: { visibilityTimeout: "2s" },
        entrypoint: async () => {
          runs++;
          await release.promise;
        },
      }),
    );
    await worker.start();
    await producer.enqueue("long");
    await clock.tick(0);
    assert.equal(runs, 1);
    await clock.tick(2_001);
    assert.equal(runs, 2, "the 2 s lease (not the broker's 30 s default) ran out");
    assert.equal((await broker.counts("default")).inflight, 1);
    release.open();
    await worker.shutdown();
  });

  test("the worker's acksLate: false acks before the handler runs", async () => {
    const release = gate();
    const { clock, broker, producer, worker } = edgeSetup(
      new FunctionTaskHandler({
        name: "early",
        options: { acksLate: false },
        entrypoint: () => release.promise,
      }),
    );
    await worker.start();
    const id = await producer.enqueue("early");
    await clock.tick(0);
    assert.equal((await broker.counts("default")).inflight, 0, "acked while still running");
    release.open();
    assert.equal((await producer.waitForTask(id)).status?.state, "succeeded");
    await worker.shutdown();
  });
});
