import type {
  StatusStore,
  StatusStoreCapabilities,
  Unwatch,
} from "../../../backend/status_store.ts";
import type { TaskStatus } from "../../../backend/task_status.ts";
import { deepEqual, equal, ok } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import { testStatus } from "../../test_values.ts";
import {
  afterTime,
  type ContractCase,
  letTimePass,
  type StoreTestContext,
  within,
} from "../contract_case.ts";

/** One status-store conformance case. */
export type StatusCase = ContractCase<StoreTestContext<StatusStore>, StatusStoreCapabilities>;

/** Statuses: write, read, expire, watch, list. */
export const statusCases: StatusCase[] = [
  {
    name: "set then get returns the status; unknown ids are null",
    run: async ({ store }) => {
      const input = testStatus({
        state: "succeeded",
        result: { total: 3, items: ["a"] },
        meta: { queue: "q", who: "me" },
        progress: { percent: 100, data: "done" },
        timestamps: { startedAt: 5, finishedAt: 9 },
      });
      await store.set(input);
      const got = await store.get(input.id);
      ok(got);
      equal(got.state, "succeeded");
      deepEqual(got.result, { total: 3, items: ["a"] });
      deepEqual(got.meta, { queue: "q", who: "me" });
      deepEqual(got.progress, { percent: 100, data: "done" });
      equal(got.timestamps.startedAt, 5);
      equal(got.timestamps.finishedAt, 9);
      ok(got.timestamps.createdAt > 0);
      equal(await store.get("no-such-task"), null);
    },
  },
  {
    name: "a stored status is a copy: later changes by the caller are not read back",
    run: async ({ store }) => {
      const input = testStatus({ state: "succeeded", result: { n: 1 } });
      await store.set(input);
      (input.result as { n: number }).n = 2;
      input.meta.queue = "changed";
      const got = await store.get(input.id);
      ok(got);
      deepEqual(got.result, { n: 1 });
      equal(got.meta.queue, "default");
    },
  },
  {
    name: "set overwrites the record but keeps createdAt",
    run: async ({ store }) => {
      const input = testStatus();
      const first = await store.set(input);
      const error = { type: "Error", message: "boom", retryable: false };
      await store.set({ ...input, state: "failed", error, attempt: 2 });
      const got = await store.get(input.id);
      ok(got);
      equal(got.state, "failed");
      deepEqual(got.error, error);
      equal(got.attempt, 2);
      equal(got.timestamps.createdAt, first.timestamps.createdAt);
      ok(got.timestamps.updatedAt >= first.timestamps.updatedAt);
    },
  },
  {
    name: "a status expires after its ttl",
    run: async ({ store, time }) => {
      const input = testStatus();
      await store.set(input, { ttl: 300 });
      ok(await store.get(input.id), "readable before the ttl");
      equal(await afterTime(time, 300, () => store.get(input.id), (s) => s === null), null);
    },
  },
  {
    name: "expire resets the ttl from now",
    run: async ({ store, time }) => {
      const input = testStatus();
      await store.set(input, { ttl: "1h" });
      await store.expire(input.id, 300);
      equal(await afterTime(time, 300, () => store.get(input.id), (s) => s === null), null);
    },
  },
  {
    name: "watch sees later writes until unwatched",
    run: async ({ store }) => {
      const input = testStatus();
      const seen: TaskStatus[] = [];
      let notify: () => void = () => {};
      const unwatch = await store.watch(input.id, (s) => {
        seen.push(s);
        notify();
      });
      const twoSeen = new Promise<void>((resolve) => {
        notify = () => seen.length >= 2 && resolve();
      });
      await store.set({ ...input, state: "running" });
      await store.set({ ...input, state: "succeeded", result: 42 });
      await within(twoSeen, 10_000, "Expected both writes to reach the watcher");
      deepEqual(seen.map((s) => s.state), ["running", "succeeded"]);
      equal(seen[1].result, 42);
      await unwatch();
      // A second watcher proves the next write was delivered before we look at the first one.
      let sentinel: () => void = () => {};
      const sentinelSeen = new Promise<void>((resolve) => (sentinel = resolve));
      const unwatchSentinel = await store.watch(
        input.id,
        (s) => s.state === "failed" && sentinel(),
      );
      await store.set({ ...input, state: "failed" });
      await within(sentinelSeen, 10_000, "Expected the sentinel watcher to see the write");
      await unwatchSentinel();
      equal(seen.length, 2, "no events after unwatch");
    },
  },
  {
    name: "a watcher that throws does not fail the write or other watchers",
    run: async ({ store }) => {
      const input = testStatus();
      const unwatchBad = await store.watch(input.id, () => {
        throw new Error("watcher bug");
      });
      let seen: () => void = () => {};
      const good = new Promise<void>((resolve) => (seen = resolve));
      const unwatchGood = await store.watch(input.id, (s) => s.state === "running" && seen());
      await store.set({ ...input, state: "running" });
      await within(good, 10_000, "Expected the second watcher to see the write");
      equal((await store.get(input.id))?.state, "running");
      await unwatchBad();
      await unwatchGood();
    },
  },
  {
    name: "watch sees writes made through another instance",
    skip: (caps) =>
      caps.crossProcessWatch ? false : "statuses.capabilities.crossProcessWatch is false",
    run: async ({ store, peer }) => {
      ok(peer, "a store with crossProcessWatch needs a peer factory in its fixture");
      const other = await peer();
      const input = testStatus();
      let watching: Promise<Unwatch> = Promise.resolve(() => Promise.resolve());
      const got = new Promise<TaskStatus>((resolve) => {
        watching = store.watch(input.id, (s) => s.state === "succeeded" && resolve(s));
      });
      // The port promises the watch is active once watch() resolves; a networked store
      // (LISTEN) needs that round trip before another instance's write can reach it.
      const unwatch = await watching;
      await other.set({ ...input, state: "succeeded", result: "from peer" });
      const seen = await within(got, 10_000, "Expected the peer's write to reach the watcher");
      equal(seen.result, "from peer");
      await unwatch();
    },
  },
  {
    name: "create writes only when no record exists",
    run: async ({ store }) => {
      const input = testStatus();
      const results = await Promise.all([
        store.create(input),
        store.create({ ...input, meta: { queue: "other" } }),
      ]);
      equal(results.filter(Boolean).length, 1, "exactly one concurrent create wins");
      await store.set({ ...input, state: "running" });
      equal(await store.create(input), false);
      equal((await store.get(input.id))?.state, "running", "create never overwrites");
    },
  },
  {
    name: "concurrent creates of distinct ids each write; an unencodable one fails alone",
    run: async ({ store }) => {
      const inputs = Array.from({ length: 20 }, (_, i) => testStatus({ meta: { queue: `q${i}` } }));
      const bad = testStatus({ result: 1n as never });
      const [badResult, ...results] = await Promise.allSettled([
        store.create(bad),
        ...inputs.map((s) => store.create(s)),
      ]);
      equal(badResult.status, "rejected", "a BigInt cannot be stored");
      deepEqual(results.map((r) => r.status === "fulfilled" && r.value), inputs.map(() => true));
      for (const [i, s] of inputs.entries()) {
        const got = await store.get(s.id);
        equal(got?.meta?.queue, `q${i}`, "each create stored its own record");
      }
      equal(await store.get(bad.id), null, "the rejected create stored nothing");
    },
  },
  {
    name: "listTaskStatuses filters by state, newest first",
    run: async ({ store, time }) => {
      const queue = uniqueName("q");
      const a = testStatus({ state: "failed", meta: { queue } });
      const b = testStatus({ state: "succeeded", meta: { queue } });
      const c = testStatus({ state: "failed", meta: { queue } });
      let last = 0;
      for (const s of [a, b, c]) {
        // Distinct update times make "newest first" checkable.
        const written = await store.set(s);
        ok(written.timestamps.updatedAt > last, "update times increase");
        last = written.timestamps.updatedAt;
        await letTimePass(time, 2);
      }
      const failed = await store.listTaskStatuses({ state: "failed", queue });
      deepEqual(failed.map((s) => s.id), [c.id, a.id], "failed tasks, newest first");
      equal((await store.listTaskStatuses({ queue, limit: 1 })).length, 1);
    },
  },
];
