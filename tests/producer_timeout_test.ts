import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { InMemoryBroker, InMemoryResultBackend, Stem } from "../mod.ts";
import type { ResultBackend } from "../src/backend/result_backend.ts";
import type { Broker } from "../src/broker/broker.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";

const never = () => new Promise<never>(() => {});

/** A backend (or broker) whose listed calls never settle, like a server that accepted and hung. */
function hanging<T extends object>(target: T, methods: string[]): T {
  return new Proxy(target, {
    get(object, key, receiver) {
      if (typeof key === "string" && methods.includes(key)) return never;
      const value = Reflect.get(object, key, receiver);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

function isTimeout(operation: string, ms: number) {
  return (e: Error & { code?: string; operation?: string }) => {
    assert.equal(e.name, "OperationTimeoutError");
    assert.equal(e.code, "operation-timeout");
    assert.equal(e.operation, operation);
    assert.match(e.message, new RegExp(`within ${ms} ms`));
    return true;
  };
}

/** Settles `promise` after advancing the fake clock by `ms`, failing if it settled early. */
async function settlesAfter<T>(clock: FakeClock, ms: number, promise: Promise<T>) {
  let settled = false;
  promise.then(() => (settled = true), () => (settled = true));
  await clock.tick(ms - 1);
  assert.equal(settled, false, "settled before the bound");
  await clock.tick(1);
  return promise;
}

describe("Stem operationTimeout bounds every broker and backend call", () => {
  test("waitForTask rejects within the bound when the backend's watch hangs", async () => {
    const clock = new FakeClock();
    const backend = hanging<ResultBackend>(new InMemoryResultBackend(), ["watch"]);
    const stem = new Stem({ broker: new InMemoryBroker(), backend, clock });
    const waiting = stem.waitForTask("t1");
    await assert.rejects(settlesAfter(clock, 10_000, waiting), isTimeout("backend.watch", 10_000));
  });

  test("waitForTask and getTaskStatus reject when backend.get hangs", async () => {
    const clock = new FakeClock();
    const backend = hanging<ResultBackend>(new InMemoryResultBackend(), ["get"]);
    const stem = new Stem({ broker: new InMemoryBroker(), backend, clock, operationTimeout: "2s" });
    const waiting = stem.waitForTask("t1", { timeout: "1h" });
    await assert.rejects(settlesAfter(clock, 2_000, waiting), isTimeout("backend.get", 2_000));
    const status = stem.getTaskStatus("t1");
    await assert.rejects(settlesAfter(clock, 2_000, status), isTimeout("backend.get", 2_000));
  });

  test("enqueue rejects when the broker's publish hangs, and records the failure", async () => {
    const clock = new FakeClock();
    const backend = new InMemoryResultBackend();
    const broker = hanging<Broker>(new InMemoryBroker(), ["publish"]);
    const stem = new Stem({ broker, backend, clock, operationTimeout: 500 });
    const enqueue = stem.enqueue("t", { enqueueOptions: { taskId: "order-1" } });
    await assert.rejects(settlesAfter(clock, 500, enqueue), isTimeout("broker.publish", 500));
    const status = await backend.get("order-1");
    assert.equal(status?.state, "failed");
    assert.equal(status?.error?.code, "operation-timeout");
  });

  test("enqueue rejects when the backend's queued write hangs", async () => {
    const clock = new FakeClock();
    const backend = hanging<ResultBackend>(new InMemoryResultBackend(), ["create"]);
    const stem = new Stem({ broker: new InMemoryBroker(), backend, clock });
    const enqueue = stem.enqueue("t");
    await assert.rejects(settlesAfter(clock, 10_000, enqueue), isTimeout("backend.create", 10_000));
  });

  test("operationTimeout: false leaves calls unbounded; fast calls leave no timer behind", async () => {
    const clock = new FakeClock();
    const stem = new Stem({
      broker: new InMemoryBroker(),
      backend: new InMemoryResultBackend(),
      clock,
    });
    await stem.enqueue("t");
    assert.equal(clock.pendingTimers, 0);
    const unbounded = new Stem({
      broker: new InMemoryBroker(),
      backend: hanging<ResultBackend>(new InMemoryResultBackend(), ["get"]),
      clock,
      operationTimeout: false,
    });
    let settled = false;
    unbounded.getTaskStatus("x").finally(() => (settled = true));
    await clock.tick(3_600_000);
    assert.equal(settled, false);
  });
});
