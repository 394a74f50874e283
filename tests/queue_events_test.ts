// QueueEvents across connections: a worker app and a producer app publish lifecycle events on
// the store set's EventBus; a listener on a third connection sees them. Runs on memory (one
// set, in-process bus) and on every fixture whose EventBus is cross-process (Redis over TCP and
// HTTP, PostgreSQL, SQLite).
import * as api from "node:test";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { FunctionTaskHandler, type QueueEvent } from "../mod.ts";
import { StemAppBase } from "../src/bootstrap/stem_app_base.ts";
import type { StoreSet } from "../src/core/adapter.ts";
import { adapterFixtures } from "./helpers/adapter_fixtures.ts";

const only = process.env.STEM_CONTRACT_FIXTURE;

for (const make of adapterFixtures) {
  if (only && !make.name.toLowerCase().startsWith(only.replace(/-/g, "").toLowerCase())) continue;
  const fixture = await make(api);
  let skip: string | false = "skip" in fixture ? fixture.skip : false;
  if (!("skip" in fixture) && make.name !== "memoryFixture") {
    const probe = (await fixture.connect()) as StoreSet;
    if (!probe.events?.capabilities.crossProcess) skip = "events: no cross-process EventBus yet";
    await probe.close();
  }
  describe(`queue events on ${make.name.replace(/Fixture$/, "")}`, { skip }, () => {
    test("waiting, delayed, active, progress, completed, retried, failed, dead-lettered, custom", async () => {
      if ("skip" in fixture) return;
      const first = (await fixture.connect()) as StoreSet;
      const peer = async () =>
        fixture.connectPeer ? (await fixture.connectPeer()) as StoreSet : first;
      const worker = new StemAppBase(first, {
        publishQueueEvents: true,
        workerId: "w1",
        tasks: [
          new FunctionTaskHandler({
            name: "resize",
            entrypoint: async (ctx) => {
              await ctx.progress(50, { step: "half" });
              return { ok: true };
            },
          }),
          new FunctionTaskHandler({
            name: "flaky",
            options: { maxRetries: 1, retryPolicy: { maxRetries: 1, defaultDelay: 10 } },
            entrypoint: () => {
              throw new Error("disk full");
            },
          }),
        ],
      });
      const producer = new StemAppBase(await peer(), { publishQueueEvents: true });
      const listenerApp = new StemAppBase(await peer(), {});
      const events = await listenerApp.queueEvents("default");
      const everywhere = await listenerApp.queueEvents();
      const completed: QueueEvent[] = [];
      events.on("completed", (e) => completed.push(e));
      const deploys: number[] = [];
      events.onCustom<{ version: number }>("deploy", (payload) => deploys.push(payload.version));
      try {
        await worker.start();
        const ok = await producer.stem.enqueue("resize", { args: {} });
        const bad = await producer.stem.enqueue("flaky", { args: {} });
        const later = await producer.stem.enqueue("resize", {
          enqueueOptions: { countdown: "1h", queue: "other" },
        });
        await producer.emitQueueEvent("default", "deploy", { version: 3 });
        const seen = new Map<string, QueueEvent>();
        const key = (e: QueueEvent) => `${e.taskId ?? e.name}:${e.type}`;
        const wanted = [
          `${ok}:waiting`,
          `${ok}:active`,
          `${ok}:progress`,
          `${ok}:completed`,
          `${bad}:retried`,
          `${bad}:failed`,
          `${bad}:dead-lettered`,
          "deploy:custom",
        ];
        await within(
          (async () => {
            for await (const e of events) {
              seen.set(key(e), e);
              if (wanted.every((k) => seen.has(k))) return;
            }
          })(),
          15_000,
          () => `missing ${wanted.filter((k) => !seen.has(k)).join(", ")}`,
        );
        assert.equal(seen.get(`${ok}:progress`)?.progress, 50);
        assert.deepEqual(seen.get(`${ok}:progress`)?.data, { step: "half" });
        assert.deepEqual(seen.get(`${ok}:completed`)?.result, { ok: true });
        assert.equal(seen.get(`${ok}:completed`)?.workerId, "w1");
        assert.equal(seen.get(`${bad}:failed`)?.error?.message, "disk full");
        assert.equal(seen.get(`${bad}:failed`)?.attempt, 1);
        assert.deepEqual(seen.get("deploy:custom")?.data, { version: 3 });
        assert.deepEqual(deploys, [3], "onCustom() gets the typed payload");
        assert.equal(completed.length, 1, "on() handlers see the same stream");
        assert.ok(![...seen.keys()].includes(`${later}:delayed`), "other queues are filtered out");
        const delayed = await within(
          everywhere.next((e) => e.taskId === later && e.type === "delayed"),
          15_000,
          () => "no delayed event on the all-queues listener",
        );
        assert.equal(delayed?.queue, "other");
        assert.ok((delayed?.delayUntil ?? 0) > Date.now() + 3_000_000);
      } finally {
        await events.close();
        await everywhere.close();
        await listenerApp.close();
        await producer.close();
        await worker.close();
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
