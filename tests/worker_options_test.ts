import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  FunctionTaskHandler,
  InMemoryBroker,
  InMemoryResultBackend,
  SimpleTaskRegistry,
  Stem,
  type TaskContext,
  type TaskMiddleware,
  Worker,
} from "../mod.ts";
import type { Delivery } from "../src/broker/broker.ts";
import { toMillis } from "../src/core/duration.ts";
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

  test("the worker's visibilityTimeout is the lease of a task enqueued without one, renewals included", async () => {
    const release = gate();
    let runs = 0;
    const clock = new FakeClock();
    const broker = new InMemoryBroker({ clock });
    const backend = new InMemoryResultBackend({ clock });
    let delivery: Delivery | undefined;
    const extensions: number[] = [];
    const spy: TaskMiddleware = {
      onConsume: (d, next) => {
        delivery = d;
        return next();
      },
    };
    const extendLease = broker.extendLease.bind(broker);
    broker.extendLease = (d, by) => {
      extensions.push(toMillis(by));
      return extendLease(d, by);
    };
    const worker = new Worker({
      broker,
      backend,
      clock,
      middleware: [spy],
      registry: new SimpleTaskRegistry([
        new FunctionTaskHandler({
          name: "long",
          options: { visibilityTimeout: "2s" },
          entrypoint: async () => {
            runs++;
            await release.promise;
          },
        }),
      ]),
    });
    const producer = new Stem({ broker, backend, clock });
    await worker.start();
    const id = await producer.enqueue("long");
    await clock.tick(0);
    assert.equal(runs, 1);
    assert.equal(delivery?.leaseExpiresAt, clock.now() + 2_000, "2 s, not the broker's 30 s");
    for (let t = 0; t < 10_000; t += 100) await clock.tick(100);
    assert.equal(runs, 1, "renewed before each 2 s lease ran out");
    assert.ok(extensions.length >= 5, `renewed every ~1.3 s (${extensions.length} extensions)`);
    assert.deepEqual(new Set(extensions), new Set([2_000]), "every renewal extends by 2 s");
    const left = delivery!.leaseExpiresAt! - clock.now();
    assert.ok(left > 0 && left <= 2_000, `lease ends within 2 s (${left} ms left)`);
    release.open();
    assert.equal((await producer.waitForTask(id)).status?.state, "succeeded");
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

describe("Worker options", () => {
  const broker = new InMemoryBroker();
  const registry = new SimpleTaskRegistry();
  const prefetchOf = (worker: Worker) => worker.prefetch;

  test("prefetch is concurrency × prefetchMultiplier (2 by default) unless prefetch is given", () => {
    assert.equal(prefetchOf(new Worker({ broker, registry, concurrency: 5 })), 10);
    assert.equal(
      prefetchOf(new Worker({ broker, registry, concurrency: 5, prefetchMultiplier: 4 })),
      20,
    );
    assert.equal(
      prefetchOf(
        new Worker({ broker, registry, concurrency: 5, prefetchMultiplier: 4, prefetch: 3 }),
      ),
      3,
    );
  });

  test("the broker is asked for concurrency × prefetchMultiplier deliveries", async () => {
    let asked: number | undefined;
    const spying = new InMemoryBroker();
    const consume = spying.consume.bind(spying);
    spying.consume = (options) => {
      asked = options.prefetch;
      return consume(options);
    };
    const worker = new Worker({ broker: spying, registry, concurrency: 3, prefetchMultiplier: 3 });
    await worker.start();
    await worker.shutdown();
    assert.equal(asked, 9);
  });

  test("a prefetchMultiplier that is not a positive integer is an invalid-config error", () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => new Worker({ broker, registry, prefetchMultiplier: bad }),
        (error: Error & { code?: string }) =>
          error.code === "invalid-config" && /prefetchMultiplier/.test(error.message),
      );
    }
  });

  test("an invalid queue name is an invalid-queue error at construction", () => {
    for (const queues of [["ok", "bad queue"], [""], [" padded "], ["a{b}"]]) {
      assert.throws(
        () => new Worker({ broker, registry, queues }),
        (error: Error & { code?: string }) =>
          error.code === "invalid-queue" && error.message.includes(JSON.stringify(queues.at(-1))),
        `queues ${JSON.stringify(queues)}`,
      );
    }
    assert.throws(() => new Worker({ broker, registry, queue: "no/slash" }), /Invalid queue name/);
  });
});
