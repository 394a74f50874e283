// The producer's shared call deadlines: one timer for every call in flight, gone when none is.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { OperationDeadlines, OperationTimeoutError } from "../src/producer/operation_timeout.ts";
import { FakeClock } from "../src/testing/mod.ts";

function pending<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("OperationDeadlines", () => {
  test("each call rejects at its own deadline; answered calls pass and free the timer", async () => {
    const clock = new FakeClock(0);
    const deadlines = new OperationDeadlines(clock, 100);
    const first = pending<string>();
    const second = pending<string>();
    const a = deadlines.bound("broker.publish", first.promise).catch((e) => e);
    await clock.tick(30);
    const b = deadlines.bound("backend.create", second.promise).catch((e) => e);
    assert.equal(clock.pendingTimers, 1);
    await clock.tick(70);
    const error = await a;
    assert.ok(error instanceof OperationTimeoutError);
    assert.equal(error.operation, "broker.publish");
    first.resolve("late"); // a late reply changes nothing
    second.resolve("in time");
    assert.equal(await b, "in time");
    assert.equal(clock.pendingTimers, 0, "no call left: no timer keeps the process alive");
  });

  test("many calls in flight share one timer and each gets its own result", async () => {
    const clock = new FakeClock(0);
    const deadlines = new OperationDeadlines(clock, 50);
    const calls = Array.from({ length: 3_000 }, () => pending<number>());
    const bound = calls.map((c) => deadlines.bound("broker.publish", c.promise));
    assert.equal(clock.pendingTimers, 1);
    calls.forEach((c, i) => c.resolve(i));
    assert.deepEqual(await Promise.all(bound), calls.map((_, i) => i));
    assert.equal(clock.pendingTimers, 0);
    await assert.rejects(
      deadlines.bound("broker.publish", Promise.reject(new Error("down"))),
      /down/,
    );
  });
});
