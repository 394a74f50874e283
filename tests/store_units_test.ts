import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { connectMemory } from "../adapters/memory/mod.ts";
import { InMemoryKv } from "../adapters/memory/memory_kv.ts";
import { combineResultBackend } from "../src/backend/combine_result_backend.ts";
import { KvHeartbeatStore } from "../src/backend/kv_heartbeat_store.ts";
import { WatchHub } from "../src/backend/watch_hub.ts";
import type { TaskStatus } from "../src/backend/task_status.ts";
import { deadLetterPage, deadLetterWindow } from "../src/broker/dead_letter_paging.ts";
import type { LogFields, Logger } from "../src/observability/logger.ts";
import { FakeClock, testStatus } from "../src/testing/mod.ts";

describe("dead-letter paging rule", () => {
  test("deadLetterWindow() defaults to 50, truncates, and clamps limit to [0, 1000]", () => {
    assert.deepEqual(deadLetterWindow(), { limit: 50, offset: 0 });
    assert.deepEqual(deadLetterWindow({ limit: 2.7, offset: 3.9 }), { limit: 2, offset: 3 });
    assert.deepEqual(deadLetterWindow({ limit: -1, offset: -4 }), { limit: 0, offset: 0 });
    assert.deepEqual(deadLetterWindow({ limit: 1e9 }), { limit: 1_000, offset: 0 });
    assert.deepEqual(deadLetterWindow({ limit: NaN, offset: NaN }), { limit: 50, offset: 0 });
  });

  test("deadLetterPage() cuts rows fetched from the start or from the offset alike", () => {
    const all = ["e9", "e8", "e7", "e6", "e5"];
    const window = deadLetterWindow({ limit: 2, offset: 2 });
    assert.deepEqual(deadLetterPage(all, window), { entries: ["e7", "e6"], nextOffset: 4 });
    const fromOffset = all.slice(2, 2 + 3);
    assert.deepEqual(deadLetterPage(fromOffset, window, 2), {
      entries: ["e7", "e6"],
      nextOffset: 4,
    });
    const last = deadLetterWindow({ limit: 2, offset: 4 });
    assert.deepEqual(deadLetterPage(all, last), { entries: ["e5"], nextOffset: null });
  });
});

describe("KvHeartbeatStore", () => {
  test("listWorkerHeartbeats() pages through more workers than one kv page holds", async () => {
    const store = new KvHeartbeatStore(new InMemoryKv());
    for (let i = 0; i < 1_203; i++) {
      await store.setWorkerHeartbeat({ workerId: `w${i}`, timestamp: i, inflight: 0, queues: [] });
    }
    const listed = await store.listWorkerHeartbeats();
    assert.equal(listed.length, 1_203);
    assert.equal(new Set(listed.map((h) => h.workerId)).size, 1_203);
  });

  test("a heartbeat lapses on the injected clock", async () => {
    const clock = new FakeClock();
    const store = new KvHeartbeatStore(new InMemoryKv({ clock }));
    await store.setWorkerHeartbeat({ workerId: "w", timestamp: 0, inflight: 0, queues: [] });
    await clock.tick(59_999);
    assert.ok(await store.getWorkerHeartbeat("w"), "alive just before the 60 s default");
    await clock.tick(1);
    assert.equal(await store.getWorkerHeartbeat("w"), null);
  });
});

describe("WatchHub", () => {
  test("a listener that throws is logged and the others still run", () => {
    const warnings: LogFields[] = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (_m, fields) => void warnings.push(fields ?? {}),
      error() {},
    };
    const hub = new WatchHub({ logger });
    const seen: string[] = [];
    hub.watch("t", () => {
      throw new Error("bug");
    });
    hub.watch("t", (s) => void seen.push(s.state));
    hub.notify({ ...testStatus({ id: "t", state: "running" }) } as TaskStatus);
    assert.deepEqual(seen, ["running"]);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].taskId, "t");
  });
});

describe("memory StoreSet", () => {
  test("connectMemory() shares one kv between heartbeats and kv, and close() runs once", async () => {
    const stores = connectMemory();
    await stores.heartbeats.setWorkerHeartbeat({
      workerId: "w1",
      timestamp: 1,
      inflight: 0,
      queues: [],
    });
    assert.ok(await stores.kv.get("heartbeat:w1"), "the heartbeat is a kv entry");
    assert.equal(stores.deadLetters, stores.broker);
    const first = stores.close();
    assert.equal(stores.close(), first, "a second close() returns the same promise");
    await first;
  });

  test("a status with a BigInt result fails on memory as on a durable store", async () => {
    const stores = connectMemory();
    await assert.rejects(stores.statuses.set({ ...testStatus(), result: 1n as never }), TypeError);
    await stores.close();
  });

  test("combineResultBackend() forwards to each store and closes once", async () => {
    const stores = connectMemory();
    let closes = 0;
    const backend = combineResultBackend(stores.statuses, stores.groups, stores.heartbeats, () => {
      closes++;
      return stores.close();
    });
    const written = await backend.set(testStatus({ state: "succeeded" }));
    assert.equal((await stores.statuses.get(written.id))?.state, "succeeded");
    assert.equal(backend.capabilities.crossProcessWatch, false);
    await Promise.all([backend.close(), backend.close()]);
    assert.equal(closes, 1);
  });
});
