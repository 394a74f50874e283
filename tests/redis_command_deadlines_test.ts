// The shared reply deadlines of the TCP transport: one timer for every command in flight.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { commandDeadlines } from "../adapters/redis/tcp/command_deadlines.ts";
import { RedisTimeoutError } from "../adapters/redis/errors.ts";
import { FakeClock } from "../src/testing/mod.ts";

function pending<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe("commandDeadlines (DeadlineQueue)", () => {
  test("a reply in time passes through; one without a reply rejects at its own deadline", async () => {
    const clock = new FakeClock(1_000);
    const deadlines = commandDeadlines("redis://127.0.0.1:1", 100, clock);
    const answered = pending<string>();
    const silent = pending<string>();
    const first = deadlines.bound(answered.promise, "get");
    await clock.tick(40);
    const second = deadlines.bound(silent.promise, "evalsha");
    const secondFailed = second.catch((error) => error);
    answered.resolve("OK");
    assert.equal(await first, "OK");
    await clock.tick(60); // 100 ms after the first send, 60 after the second
    assert.equal(deadlines.size, 1, "the answered command is dropped, the other still waits");
    await clock.tick(39);
    assert.equal(deadlines.size, 1);
    await clock.tick(1);
    const error = await secondFailed;
    assert.ok(error instanceof RedisTimeoutError, String(error));
    assert.match(error.message, /EVALSHA got no reply/);
    assert.equal(deadlines.size, 0);
    assert.equal(deadlines.nextCheckAt, Infinity, "no timer is left armed");
  });

  test("one timer serves many commands, and a rejection from the client passes through", async () => {
    const clock = new FakeClock(0);
    const deadlines = commandDeadlines("redis://127.0.0.1:1", 50, clock);
    const calls = Array.from({ length: 1_000 }, () => pending<number>());
    const bound = calls.map((c) => deadlines.bound(c.promise, "set"));
    assert.equal(clock.pendingTimers, 1);
    calls.forEach((c, i) => c.resolve(i));
    assert.deepEqual(await Promise.all(bound), calls.map((_, i) => i));
    const failing = deadlines.bound(Promise.reject(new Error("socket closed")), "set");
    await assert.rejects(failing, /socket closed/);
    await clock.tick(50);
    assert.equal(deadlines.size, 0);
  });

  test("close() stops the timer", () => {
    const clock = new FakeClock(0);
    const deadlines = commandDeadlines("redis://127.0.0.1:1", 50, clock);
    void deadlines.bound(new Promise(() => {}), "get").catch(() => {});
    assert.equal(clock.pendingTimers, 1);
    deadlines.close();
    assert.equal(clock.pendingTimers, 0);
  });
});
