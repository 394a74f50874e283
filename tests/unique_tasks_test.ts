// Unique tasks (until-complete, throttle, debounce) on every adapter, through a StemApp.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler } from "../mod.ts";
import { MetaKey } from "../src/core/meta_keys.ts";
import { locksOf } from "../src/locks/locks_of.ts";
import { eventually, flowFixtures } from "./helpers/flow_fixtures.ts";
import { gate } from "./helpers/app.ts";
import { record } from "./helpers/signals.ts";

const fixtures = await flowFixtures();

for (const fixture of fixtures) {
  describe(`unique tasks on ${fixture.name}`, { skip: fixture.skip }, () => {
    test("a second enqueue of a pending task returns its id; the key is released when it succeeds", async () => {
      const release = gate();
      const app = await fixture.app({
        autoStart: false,
        tasks: [
          new FunctionTaskHandler({
            name: "report",
            options: { unique: true },
            entrypoint: async (_ctx, args) => {
              await release.promise;
              return args.month;
            },
          }),
        ],
      });
      const seen = record(app.signals.taskDeduplicated);
      try {
        const first = await app.stem.enqueue("report", { args: { month: "2026-11" } });
        const again = await app.stem.enqueueDetailed("report", { args: { month: "2026-11" } });
        assert.deepEqual(again, { id: first, deduplicated: true, existingId: first });
        assert.equal(seen.items.length, 1);
        assert.equal(seen.items[0].existingId, first);
        assert.notEqual(seen.items[0].duplicateId, first);
        const other = await app.stem.enqueueDetailed("report", { args: { month: "2026-12" } });
        assert.equal(other.deduplicated, false, "other args make another key");
        assert.notEqual(other.id, first);
        await app.start();
        release.open();
        assert.equal((await app.stem.waitForTask(first, { timeout: "10s" })).value, "2026-11");
        await app.stem.waitForTask(other.id, { timeout: "10s" });
        const after = await app.stem.enqueueDetailed("report", { args: { month: "2026-11" } });
        assert.equal(after.deduplicated, false, "the finished task released its key");
        assert.notEqual(after.id, first);
        await app.stem.waitForTask(after.id, { timeout: "10s" });
      } finally {
        seen.stop();
        await app.close();
      }
    });

    test("trace headers and stem.* meta do not change the key; other headers do", async () => {
      const app = await fixture.app({
        autoStart: false,
        tasks: [
          new FunctionTaskHandler({ name: "sync", options: { unique: true }, entrypoint: () => 1 }),
        ],
      });
      try {
        const trace = (n: number) => `00-${String(n).padStart(32, "0")}-${"1".repeat(16)}-01`;
        const a = await app.stem.enqueue("sync", {
          headers: { traceparent: trace(1), tenant: "acme" },
        });
        const b = await app.stem.enqueueDetailed("sync", {
          headers: { traceparent: trace(2), tracestate: "x=1", baggage: "k=v", tenant: "acme" },
        });
        assert.deepEqual(b, { id: a, deduplicated: true, existingId: a });
        const c = await app.stem.enqueueDetailed("sync", { headers: { tenant: "globex" } });
        assert.equal(c.deduplicated, false);
        const status = await app.stem.getTaskStatus(a);
        assert.equal(typeof status?.meta?.[MetaKey.uniqueKey], "string");
      } finally {
        await app.close();
      }
    });

    test("the key is released when the task fails and when it expires unrun", async () => {
      const app = await fixture.app({
        tasks: [
          new FunctionTaskHandler({
            name: "flaky",
            options: { unique: true, maxRetries: 0 },
            entrypoint: () => {
              throw new Error("boom");
            },
          }),
          new FunctionTaskHandler({ name: "late", options: { unique: true }, entrypoint: () => 1 }),
        ],
      });
      try {
        const failed = await app.stem.enqueue("flaky");
        assert.equal((await app.stem.waitForTask(failed, { timeout: "10s" })).isFailed, true);
        const next = await app.stem.enqueueDetailed("flaky");
        assert.equal(next.deduplicated, false, "a failed task released its key");
        await app.stem.waitForTask(next.id, { timeout: "10s" });

        const expired = await app.stem.enqueue("late", {
          enqueueOptions: { expiresAt: Date.now() - 1_000 },
        });
        const status = (await app.stem.waitForTask(expired, { timeout: "10s" })).status;
        assert.equal(status?.state, "cancelled");
        const again = await app.stem.enqueueDetailed("late");
        assert.equal(again.deduplicated, false, "an expired task released its key");
        await app.stem.waitForTask(again.id, { timeout: "10s" });
      } finally {
        await app.close();
      }
    });

    test("throttle keeps the key for uniqueFor after the task ended", async () => {
      const app = await fixture.app({
        tasks: [
          new FunctionTaskHandler({
            name: "ping",
            options: { unique: "throttle", uniqueFor: 600 },
            entrypoint: () => "pong",
          }),
        ],
      });
      try {
        const first = await app.stem.enqueue("ping");
        await app.stem.waitForTask(first, { timeout: "10s" });
        const during = await app.stem.enqueueDetailed("ping");
        // Slow servers may take the whole window to get here; only a held key must deduplicate.
        if (during.deduplicated) assert.equal(during.id, first);
        const locks = locksOf(app.stores);
        const owner = await eventually(
          async () => (await app.stem.getTaskStatus(first))?.meta?.[MetaKey.uniqueKey],
          (k) => typeof k === "string",
        ) as string;
        await eventually(() => locks.ownerOf(`unique:${owner}`), (o) => o === null);
        const later = await app.stem.enqueueDetailed("ping");
        assert.equal(later.deduplicated, false, "the window passed");
        await app.stem.waitForTask(later.id, { timeout: "10s" });
      } finally {
        await app.close();
      }
    });

    test("a lock nobody releases (a crashed worker) expires by its TTL", async () => {
      const app = await fixture.app({
        autoStart: false,
        tasks: [
          new FunctionTaskHandler({
            name: "orphan",
            options: { unique: true, uniqueFor: 300 },
            entrypoint: () => 1,
          }),
        ],
      });
      try {
        const first = await app.stem.enqueue("orphan");
        const key = (await app.stem.getTaskStatus(first))?.meta?.[MetaKey.uniqueKey] as string;
        assert.equal(await locksOf(app.stores).ownerOf(`unique:${key}`), first);
        await eventually(() => locksOf(app.stores).ownerOf(`unique:${key}`), (o) => o === null);
        const next = await app.stem.enqueueDetailed("orphan");
        assert.equal(next.deduplicated, false);
      } finally {
        await app.close();
      }
    });

    test("debounce: enqueues within the window replace the args, and it runs once with the last", async () => {
      const runs: unknown[] = [];
      const app = await fixture.app({
        autoStart: false,
        tasks: [
          new FunctionTaskHandler({
            name: "save",
            options: { unique: "debounce", uniqueFor: 300 },
            entrypoint: (_ctx, args) => {
              runs.push(args.draft);
              return args.draft;
            },
          }),
        ],
      });
      try {
        const first = await app.stem.enqueueDetailed("save", { args: { draft: 1 } });
        const second = await app.stem.enqueueDetailed("save", { args: { draft: 2 } });
        const third = await app.stem.enqueueDetailed("save", { args: { draft: 3 } });
        assert.equal(first.deduplicated, false);
        assert.deepEqual(second, { id: first.id, deduplicated: true, existingId: first.id });
        assert.equal(third.id, first.id);
        await app.start();
        assert.equal((await app.stem.waitForTask(first.id, { timeout: "10s" })).value, 3);
        assert.deepEqual(runs, [3], "the superseded copies never ran");
        const next = await app.stem.enqueueDetailed("save", { args: { draft: 4 } });
        assert.equal(next.deduplicated, false, "a finished debounced task starts a new window");
        assert.equal((await app.stem.waitForTask(next.id, { timeout: "10s" })).value, 4);
      } finally {
        await app.close();
      }
    });
  });
}

test("a producer without the unique-task middleware refuses a unique task", async () => {
  const { Stem } = await import("../mod.ts");
  const { InMemoryBroker } = await import("../adapters/memory/mod.ts");
  const stem = new Stem({ broker: new InMemoryBroker() });
  await assert.rejects(
    stem.enqueue("x", { options: { unique: true } }),
    /no UniqueTasks middleware/,
  );
});
