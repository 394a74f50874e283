// Broadcast channels on every adapter: three workers (apps with their own connections on shared
// storage, like three processes) subscribe; one enqueue runs once on each, not once in all.
import * as api from "node:test";
import process from "node:process";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler } from "../mod.ts";
import { StemAppBase, type StemAppOptions } from "../src/bootstrap/stem_app_base.ts";
import type { StoreSet } from "../src/core/adapter.ts";
import { MetaKey } from "../src/core/meta_keys.ts";
import { adapterFixtures } from "./helpers/adapter_fixtures.ts";
import { record } from "./helpers/signals.ts";
import { signature } from "../src/core/task_signature.ts";

const routing = {
  broadcasts: ["cache-bus"],
  routes: [{ task: "cache.flush", broadcast: "cache-bus" }],
};

const only = process.env.STEM_CONTRACT_FIXTURE;

for (const make of adapterFixtures) {
  if (only && !make.name.toLowerCase().startsWith(only.replace(/-/g, "").toLowerCase())) continue;
  const fixture = await make(api);
  const skip = "skip" in fixture ? fixture.skip : false;
  describe(`broadcast on ${make.name.replace(/Fixture$/, "")}`, { skip }, () => {
    test("every subscribed worker runs the task once; a competing queue still runs once", async () => {
      if ("skip" in fixture) return;
      const first = (await fixture.connect()) as StoreSet;
      // Memory has no second connection to the same storage: its apps share one set.
      const peer = async () =>
        fixture.connectPeer ? (await fixture.connectPeer()) as StoreSet : first;
      const runs: string[] = [];
      let done!: () => void;
      const allRan = new Promise<void>((resolve) => (done = resolve));
      const options = (workerId: string): StemAppOptions => ({
        workerId,
        routing,
        tasks: [
          new FunctionTaskHandler({
            name: "cache.flush",
            entrypoint: () => {
              runs.push(workerId);
              if (runs.length === 3) done();
            },
          }),
          new FunctionTaskHandler({
            name: "plain",
            entrypoint: () => void runs.push(`plain@${workerId}`),
          }),
        ],
      });
      const workers = [
        new StemAppBase(first, options("w1")),
        new StemAppBase(await peer(), options("w2")),
        new StemAppBase(await peer(), options("w3")),
      ];
      const producer = new StemAppBase(await peer(), { routing, autoStart: false });
      const published = record(producer.signals.afterTaskPublish);
      try {
        await Promise.all(workers.map((w) => w.start()));
        const id = await producer.stem.enqueue("cache.flush", { args: { key: "users" } });
        await within(allRan, 15_000, () => `only ${runs.join(", ")} ran`);
        const copies = published.items.map((p) => p.envelope);
        assert.equal(copies.length, 3, "one copy per subscribed worker");
        assert.ok(copies.every((e) => e.meta[MetaKey.broadcastId] === id));
        for (const copy of copies) {
          const result = await producer.stem.waitForTask(copy.id, { timeout: "10s" });
          assert.equal(result.status?.state, "succeeded");
        }
        const plain = await producer.stem.enqueue("plain");
        await producer.stem.waitForTask(plain, { timeout: "10s" });
        assert.deepEqual(runs.filter((r) => !r.startsWith("plain")).sort(), ["w1", "w2", "w3"]);
        assert.equal(runs.filter((r) => r.startsWith("plain")).length, 1);
        if (make.name === "memoryFixture") {
          // A worker that stops unsubscribes: the next broadcast reaches the other two only.
          await workers[2].close();
          published.items.length = 0;
          await producer.stem.enqueue("cache.flush", { args: { key: "orders" } });
          assert.deepEqual(published.items.map((p) => p.envelope.queue).sort(), [
            "stem.bcast.w1",
            "stem.bcast.w2",
          ]);
          // Naming the channel as the queue at the call broadcasts too.
          published.items.length = 0;
          await producer.stem.enqueue("cache.flush", { enqueueOptions: { queue: "cache-bus" } });
          assert.equal(published.items.length, 2);
          // A canvas member cannot be a broadcast: a group counts one result per member.
          await assert.rejects(
            producer.canvas.group([signature("cache.flush")]),
            (e: { code?: string }) => e.code === "broadcast-refused",
          );
        }
      } finally {
        published.stop();
        await producer.close();
        for (const w of workers) await w.close();
      }
    });
  });
}

/** `promise`, or a failure naming what was missing after `ms` (a bound, not synchronisation). */
async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out: ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, expired]);
  } finally {
    clearTimeout(timer);
  }
}
