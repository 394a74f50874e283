import type { ResultBackend, Unwatch } from "../backend/result_backend.ts";
import type { TaskStatus, TaskStatusInput } from "../backend/task_status.ts";
import { uuidv7 } from "../core/ids.ts";
import { deepEqual, equal, ok } from "./assert.ts";
import { eventually, type TestApi, uniqueName } from "./contract_harness.ts";

/** How an adapter plugs into {@link runResultBackendContract}. */
export interface ResultBackendContractOptions {
  /** Adapter name shown in test titles. */
  name: string;
  /** Makes a fresh backend for one test. */
  create: () => Promise<ResultBackend>;
  /** Makes a second instance on the same storage, to prove cross-instance watch. */
  createPeer?: () => Promise<ResultBackend>;
  /** Tears it down. @default backend.close() */
  dispose?: (backend: ResultBackend) => Promise<void>;
  /** The test framework. */
  api: TestApi;
}

/** Builds a status for tests. */
export function testStatus(overrides: Partial<TaskStatusInput> = {}): TaskStatusInput {
  return {
    id: uuidv7(),
    name: "contract.task",
    state: "queued",
    result: null,
    error: null,
    attempt: 0,
    meta: { queue: "default" },
    progress: null,
    ...overrides,
  };
}

/**
 * Registers the ResultBackend conformance tests.
 *
 * @example
 * ```ts ignore
 * import * as api from "node:test";
 * import { runResultBackendContract } from "./result_backend_contract.ts";
 * import { InMemoryResultBackend } from "../../adapters/memory/memory_result_backend.ts";
 * runResultBackendContract({ name: "memory", api, create: async () => new InMemoryResultBackend() });
 * ```
 */
export function runResultBackendContract(options: ResultBackendContractOptions): void {
  const { api } = options;
  let backend: ResultBackend;
  const extra: ResultBackend[] = [];

  api.describe(`ResultBackend contract: ${options.name}`, () => {
    api.beforeEach(async () => {
      backend = await options.create();
    });
    api.afterEach(async () => {
      for (const b of extra.splice(0)) await b.close();
      await (options.dispose ? options.dispose(backend) : backend.close());
    });

    api.test("set then get returns the status; unknown ids are null", async () => {
      const input = testStatus({
        state: "succeeded",
        result: { total: 3, items: ["a"] },
        meta: { queue: "q", who: "me" },
        progress: { percent: 100, data: "done" },
        timestamps: { startedAt: 5, finishedAt: 9 },
      });
      await backend.set(input);
      const got = await backend.get(input.id);
      ok(got);
      equal(got.state, "succeeded");
      deepEqual(got.result, { total: 3, items: ["a"] });
      deepEqual(got.meta, { queue: "q", who: "me" });
      deepEqual(got.progress, { percent: 100, data: "done" });
      equal(got.timestamps.startedAt, 5);
      equal(got.timestamps.finishedAt, 9);
      ok(got.timestamps.createdAt > 0);
      equal(await backend.get("no-such-task"), null);
    });

    api.test("set overwrites the record but keeps createdAt", async () => {
      const input = testStatus();
      const first = await backend.set(input);
      const error = { type: "Error", message: "boom", retryable: false };
      await backend.set({ ...input, state: "failed", error, attempt: 2 });
      const got = await backend.get(input.id);
      ok(got);
      equal(got.state, "failed");
      deepEqual(got.error, error);
      equal(got.attempt, 2);
      equal(got.timestamps.createdAt, first.timestamps.createdAt);
      ok(got.timestamps.updatedAt >= first.timestamps.updatedAt);
    });

    api.test("a status expires after its ttl", async () => {
      const input = testStatus();
      await backend.set(input, { ttl: 300 });
      ok(await backend.get(input.id), "readable before the ttl");
      const after = await eventually(() => backend.get(input.id), (s) => s === null);
      equal(after, null);
    });

    api.test("expire resets the ttl from now", async () => {
      const input = testStatus();
      await backend.set(input, { ttl: "1h" });
      await backend.expire(input.id, 300);
      const after = await eventually(() => backend.get(input.id), (s) => s === null);
      equal(after, null);
    });

    api.test("watch sees later writes until unwatched", async () => {
      const input = testStatus();
      const seen: TaskStatus[] = [];
      let notify: () => void = () => {};
      const unwatch = await backend.watch(input.id, (s) => {
        seen.push(s);
        notify();
      });
      const twoSeen = new Promise<void>((resolve) => {
        notify = () => seen.length >= 2 && resolve();
      });
      await backend.set({ ...input, state: "running" });
      await backend.set({ ...input, state: "succeeded", result: 42 });
      await twoSeen;
      deepEqual(seen.map((s) => s.state), ["running", "succeeded"]);
      equal(seen[1].result, 42);
      await unwatch();
      // A second watcher proves the next write was delivered before we look at the first one.
      let sentinel: () => void = () => {};
      const sentinelSeen = new Promise<void>((resolve) => (sentinel = resolve));
      const unwatchSentinel = await backend.watch(
        input.id,
        (s) => s.state === "failed" && sentinel(),
      );
      await backend.set({ ...input, state: "failed" });
      await sentinelSeen;
      await unwatchSentinel();
      equal(seen.length, 2, "no events after unwatch");
    });

    const noPeer = options.createPeer ? false : `${options.name} gave no createPeer factory`;
    api.test("watch sees writes made through another instance", { skip: noPeer }, async () => {
      const peer = await options.createPeer!();
      extra.push(peer);
      const input = testStatus();
      let watching: Promise<Unwatch> = Promise.resolve(() => Promise.resolve());
      const got = new Promise<TaskStatus>((resolve) => {
        watching = backend.watch(input.id, (s) => s.state === "succeeded" && resolve(s));
      });
      // The port promises the watch is active once watch() resolves; a networked backend
      // (LISTEN) needs that round trip before another instance's write can reach it.
      const unwatch = await watching;
      await peer.set({ ...input, state: "succeeded", result: "from peer" });
      equal((await got).result, "from peer");
      await unwatch();
    });

    api.test("create writes only when no record exists", async () => {
      const input = testStatus();
      const results = await Promise.all([
        backend.create(input),
        backend.create({ ...input, meta: { queue: "other" } }),
      ]);
      equal(results.filter(Boolean).length, 1, "exactly one concurrent create wins");
      await backend.set({ ...input, state: "running" });
      equal(await backend.create(input), false);
      equal((await backend.get(input.id))?.state, "running", "create never overwrites");
    });

    api.test("listTaskStatuses filters by state, newest first", async () => {
      const queue = uniqueName("q");
      const a = testStatus({ state: "failed", meta: { queue } });
      const b = testStatus({ state: "succeeded", meta: { queue } });
      const c = testStatus({ state: "failed", meta: { queue } });
      let last = 0;
      for (const s of [a, b, c]) {
        // Distinct update times make "newest first" checkable.
        while (Date.now() <= last + 1) await new Promise((r) => setTimeout(r, 1));
        last = (await backend.set(s)).timestamps.updatedAt;
      }
      const failed = await backend.listTaskStatuses({ state: "failed", queue });
      deepEqual(failed.map((s) => s.id), [c.id, a.id], "failed tasks, newest first");
      equal((await backend.listTaskStatuses({ queue, limit: 1 })).length, 1);
    });

    api.test("groups collect member results", async () => {
      const id = uniqueName("group");
      await backend.initGroup({ id, expected: 2, meta: { kind: "test" } });
      const s1 = await backend.set(testStatus({ state: "succeeded", result: 1 }));
      const s2 = await backend.set(testStatus({ state: "failed" }));
      const after1 = await backend.addGroupResult(id, s1);
      ok(after1);
      equal(Object.keys(after1.results).length, 1);
      const after2 = await backend.addGroupResult(id, s2);
      ok(after2);
      equal(Object.keys(after2.results).length, 2);
      const group = await backend.getGroup(id);
      ok(group);
      equal(group.expected, 2);
      equal(group.meta.kind, "test");
      equal(group.results[s1.id].result, 1);
      equal(group.results[s2.id].state, "failed");
    });

    api.test("adding a result twice for one task counts it once", async () => {
      const id = uniqueName("group");
      await backend.initGroup({ id, expected: 2 });
      const s1 = await backend.set(testStatus({ state: "succeeded" }));
      await backend.addGroupResult(id, s1);
      const again = await backend.addGroupResult(id, s1);
      ok(again);
      equal(Object.keys(again.results).length, 1);
    });

    api.test("addGroupResult on a missing group returns null", async () => {
      const s1 = await backend.set(testStatus({ state: "succeeded" }));
      equal(await backend.addGroupResult(uniqueName("missing"), s1), null);
      equal(await backend.getGroup(uniqueName("missing")), null);
    });

    api.test("a group expires after its ttl", async () => {
      const id = uniqueName("group");
      await backend.initGroup({ id, expected: 1, ttl: 300 });
      ok(await backend.getGroup(id));
      equal(await eventually(() => backend.getGroup(id), (g) => g === null), null);
    });

    api.test("claimChord admits exactly one claimant", async () => {
      const id = uniqueName("chord");
      await backend.initGroup({ id, expected: 1 });
      const claims = await Promise.all(
        Array.from({ length: 5 }, (_, i) => backend.claimChord(id, `cb-${i}`)),
      );
      equal(claims.filter(Boolean).length, 1);
      equal(await backend.claimChord(id, "late"), false);
      const group = await backend.getGroup(id);
      ok(group);
      ok(String(group.meta["stem.chord.callbackTaskId"]).startsWith("cb-"));
    });

    api.test("initGroup resets results and the chord claim", async () => {
      const id = uniqueName("chord");
      await backend.initGroup({ id, expected: 1 });
      await backend.addGroupResult(id, await backend.set(testStatus({ state: "succeeded" })));
      equal(await backend.claimChord(id, "cb"), true);
      await backend.initGroup({ id, expected: 1 });
      const group = await backend.getGroup(id);
      ok(group);
      equal(Object.keys(group.results).length, 0);
      equal(await backend.claimChord(id, "cb2"), true);
    });

    api.test("worker heartbeats are stored, updated, listed and expire", async () => {
      const workerId = uniqueName("worker");
      await backend.setWorkerHeartbeat({ workerId, timestamp: 1, inflight: 0, queues: ["a"] });
      await backend.setWorkerHeartbeat(
        { workerId, timestamp: 2, inflight: 3, queues: ["a"], extras: { pid: 7 } },
        { ttl: 300 },
      );
      const got = await backend.getWorkerHeartbeat(workerId);
      ok(got);
      equal(got.timestamp, 2);
      equal(got.inflight, 3);
      equal(got.extras?.pid, 7);
      ok((await backend.listWorkerHeartbeats()).some((h) => h.workerId === workerId));
      equal(await eventually(() => backend.getWorkerHeartbeat(workerId), (h) => h === null), null);
      ok(!(await backend.listWorkerHeartbeats()).some((h) => h.workerId === workerId));
    });
  });
}
