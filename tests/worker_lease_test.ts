// Automatic lease renewal (issue 9 defect 2): a task that outlives its visibility timeout without
// calling heartbeat() runs once, on the memory broker with a fake clock and on real Redis and
// SQLite with a real 600 ms lease.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InMemoryBroker } from "../adapters/memory/memory_broker.ts";
import { RedisStreamsBroker } from "../adapters/redis/broker/redis_streams_broker.ts";
import { SqliteBroker } from "../adapters/sqlite/sqlite_broker.ts";
import "../adapters/redis/mod.ts";
import type { Broker } from "../src/broker/broker.ts";
import { FunctionTaskHandler } from "../src/core/task_handler.ts";
import { SimpleTaskRegistry } from "../src/core/task_registry.ts";
import { Stem } from "../src/producer/stem.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";
import { Worker } from "../src/worker/worker.ts";
import { gate } from "./helpers/app.ts";
import { redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";

/** A worker whose one task counts its runs and waits for `work` before it returns. */
function leaseProbe(broker: Broker, work: () => Promise<void>, clock?: FakeClock) {
  let runs = 0;
  const done = gate();
  const registry = new SimpleTaskRegistry();
  registry.register(
    new FunctionTaskHandler({
      name: "long",
      options: { visibilityTimeout: 600 },
      entrypoint: async () => {
        runs++;
        await work();
        done.open();
      },
    }),
  );
  const worker = new Worker({ broker, registry, concurrency: 4, clock });
  const stem = new Stem({ broker, registry, clock });
  return { worker, stem, done: done.promise, runs: () => runs };
}

/** Runs one task with a 600 ms lease whose handler does `work`; returns how often it ran. */
async function runOnce(broker: Broker, work: () => Promise<void>): Promise<number> {
  const probe = leaseProbe(broker, work);
  await probe.worker.start();
  await probe.stem.enqueue("long");
  await probe.done;
  await probe.worker.shutdown({ timeout: "5s" });
  return probe.runs();
}

/** About two seconds of awaited work (the workload, not synchronisation). */
const twoSecondsOfWork = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setTimeout(resolve, 100));
};

describe("Worker lease renewal", () => {
  test("a task longer than its lease runs once on the memory broker (fake clock)", async () => {
    const clock = new FakeClock();
    const broker = new InMemoryBroker({ clock });
    const release = gate();
    const probe = leaseProbe(broker, () => release.promise, clock);
    await probe.worker.start();
    await probe.stem.enqueue("long");
    // Without renewal the 600 ms lease passes three times over and the task starts again.
    for (let t = 0; t < 2_000; t += 50) await clock.tick(50);
    assert.equal(probe.runs(), 1);
    assert.equal((await broker.counts("default")).inflight, 1);
    release.open();
    await probe.done;
    await clock.tick(0);
    assert.equal(probe.runs(), 1);
    await probe.worker.shutdown({ timeout: 0 });
    await broker.close();
  });

  test("a 2 s task with a 600 ms lease runs exactly once on SQLite", async () => {
    const dir = mkdtempSync(join(tmpdir(), "stem-lease-"));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const broker = await SqliteBroker.open(join(dir, "lease.db"), { pollMax: 100 });
    try {
      assert.equal(await runOnce(broker, twoSecondsOfWork), 1);
      assert.deepEqual(await broker.counts("default"), {
        pending: 0,
        inflight: 0,
        delayed: 0,
        dead: 0,
      });
    } finally {
      await broker.close();
    }
  });

  const skip = redisSkipReason();
  test(
    "a 2 s task with a 600 ms lease runs exactly once on Redis",
    { skip: skip ?? false },
    async () => {
      const server = await startRedisServer();
      const broker = await RedisStreamsBroker.connect(server.url, { claimInterval: 100 });
      try {
        assert.equal(await runOnce(broker, twoSecondsOfWork), 1);
        assert.deepEqual(await broker.counts("default"), {
          pending: 0,
          inflight: 0,
          delayed: 0,
          dead: 0,
        });
      } finally {
        await broker.close();
        await server.stop();
      }
    },
  );
});
