// The memory broker on the shared claim loop: settles give prefetch units back through the
// ledger even when they throw, and an idle consumer sleeps without timers until something makes
// a message visible (publish, due time, lease expiry, a count that promoted a due message).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { InMemoryBroker } from "../adapters/memory/memory_broker.ts";
import type { Delivery } from "../src/broker/broker.ts";
import type { Clock, TimerHandle } from "../src/core/clock.ts";
import { nextWithin } from "../src/testing/contract_harness.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";
import { testEnvelope } from "../src/testing/test_values.ts";

/** A clock whose time and timers move only when the test says so, separately. */
class ManualClock implements Clock {
  at = 0;
  readonly timers = new Map<number, () => void>();
  #seq = 0;
  now(): number {
    return this.at;
  }
  setTimeout(fn: () => void): TimerHandle {
    this.timers.set(++this.#seq, fn);
    return this.#seq;
  }
  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number);
  }
}

function open(broker: InMemoryBroker, queue: string, prefetch: number) {
  const controller = new AbortController();
  const iterator = broker.consume({ queues: [queue], prefetch, signal: controller.signal })[
    Symbol.asyncIterator
  ]();
  return { iterator, stop: () => controller.abort() };
}

const unencodable = { n: 1n } as never;

describe("InMemoryBroker on the shared claim loop", () => {
  test("a nack or dead letter that throws gives its prefetch unit back; the message stays leased", async () => {
    const clock = new FakeClock();
    const broker = new InMemoryBroker({ clock });
    for (let i = 0; i < 3; i++) await broker.publish(testEnvelope({ queue: "q", args: { i } }));
    const { iterator, stop } = open(broker, "q", 1);
    const first = (await nextWithin(iterator, 5_000)) as Delivery;
    await assert.rejects(
      broker.nack(first, { envelope: { ...first.envelope, args: unencodable } }),
      TypeError,
    );
    // The fake clock never moves: only the failed nack can have freed the consumer's one unit.
    const second = await nextWithin(iterator, 5_000);
    assert.ok(second, "the consumer got no further delivery after the failed nack");
    await assert.rejects(broker.deadLetter(second, "why", { n: unencodable }), TypeError);
    assert.ok(await nextWithin(iterator, 5_000), "no delivery after the failed dead letter");
    assert.equal((await broker.counts("q")).inflight, 3);
    stop();
    await iterator.return?.();
    await broker.close();
  });

  test("an idle consumer sets no timer and wakes on a publish", async () => {
    const clock = new FakeClock();
    const broker = new InMemoryBroker({ clock });
    const { iterator, stop } = open(broker, "q", 4);
    const next = iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(clock.pendingTimers, 0);
    await broker.publish(testEnvelope({ queue: "q", args: { woke: true } }));
    const got = await next;
    assert.deepEqual(got.done ? null : got.value.envelope.args, { woke: true });
    stop();
    await iterator.return?.();
    await broker.close();
  });

  test("a delayed message wakes the consumer when the fake clock reaches its notBefore", async () => {
    const clock = new FakeClock();
    const broker = new InMemoryBroker({ clock });
    await broker.publish(testEnvelope({ queue: "q", notBefore: clock.now() + 1_000 }));
    const { iterator, stop } = open(broker, "q", 1);
    let delivered = false;
    const next = iterator.next().then((r) => (delivered = !r.done));
    await clock.tick(999);
    assert.equal(delivered, false);
    await clock.tick(1);
    await next;
    assert.equal(delivered, true);
    stop();
    await iterator.return?.();
    await broker.close();
  });

  test("counts() that promotes a due message wakes the consumer its timer would have woken", async () => {
    const clock = new ManualClock();
    const broker = new InMemoryBroker({ clock });
    await broker.publish(testEnvelope({ queue: "q", notBefore: 1_000 }));
    const { iterator, stop } = open(broker, "q", 1);
    const next = nextWithin(iterator, 5_000);
    await new Promise((resolve) => setTimeout(resolve, 0));
    clock.at = 1_000;
    assert.equal((await broker.counts("q")).pending, 1);
    // The queue's timer fires late and finds nothing left to promote.
    for (const fire of [...clock.timers.values()]) fire();
    assert.ok(await next, "the consumer slept through the message counts() made visible");
    stop();
    await iterator.return?.();
    await broker.close();
  });

  test("close() ends a consumer that waits for capacity", async () => {
    const broker = new InMemoryBroker({ clock: new FakeClock() });
    await broker.publish(testEnvelope({ queue: "q" }));
    await broker.publish(testEnvelope({ queue: "q" }));
    const { iterator } = open(broker, "q", 1);
    assert.ok(await nextWithin(iterator, 5_000));
    const next = iterator.next();
    await broker.close();
    assert.equal((await next).done, true);
  });
});
