// The prefetch ledger with one consumer (no owner map) and after a second one registers.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { ConsumerSlot, PrefetchLedger } from "../src/broker/prefetch_ledger.ts";
import type { Delivery } from "../src/broker/broker.ts";
import { testEnvelope } from "../src/testing/mod.ts";

function delivery(receipt: string, leaseExpiresAt: number | null = null): Delivery {
  return { envelope: testEnvelope(), receipt, queue: "q", leaseExpiresAt, deliveryCount: 1 };
}

describe("PrefetchLedger", () => {
  test("one consumer: release gives the unit back once and wakes it; unknown receipts do not", () => {
    const ledger = new PrefetchLedger();
    let wakes = 0;
    const slot = new ConsumerSlot(() => wakes++);
    ledger.register(slot);
    ledger.hold(delivery("a"), slot);
    ledger.hold(delivery("b"), slot);
    assert.equal(slot.unsettled, 2);
    assert.equal(ledger.release("a"), true);
    assert.equal(ledger.release("a"), false);
    assert.equal(ledger.release("zzz"), false);
    assert.deepEqual([slot.unsettled, wakes], [1, 1]);
  });

  test("a second consumer: units held before and after go back to the right consumer", () => {
    const ledger = new PrefetchLedger();
    const wakes = { first: 0, second: 0 };
    const first = new ConsumerSlot(() => wakes.first++);
    const second = new ConsumerSlot(() => wakes.second++);
    ledger.register(first);
    ledger.hold(delivery("early"), first);
    const unregisterSecond = ledger.register(second);
    ledger.hold(delivery("late"), second);
    ledger.hold(delivery("late-first"), first);
    assert.equal(ledger.release("late"), true);
    assert.equal(ledger.release("early"), true);
    assert.equal(ledger.release("late-first"), true);
    assert.deepEqual(wakes, { first: 2, second: 1 });
    assert.deepEqual([first.unsettled, second.unsettled], [0, 0]);
    ledger.hold(delivery("gone"), second);
    unregisterSecond();
    assert.equal(ledger.release("gone"), false, "a removed consumer's units are dropped with it");
  });

  test("extended() updates the held copy, and sweep() drops passed leases", () => {
    const ledger = new PrefetchLedger();
    const slot = new ConsumerSlot(() => {});
    ledger.register(slot);
    const held = delivery("r", 1_000);
    ledger.hold(held, slot);
    ledger.extended({ ...held, leaseExpiresAt: 5_000 });
    assert.equal(held.leaseExpiresAt, 5_000);
    ledger.hold(delivery("old", 500), slot);
    assert.equal(ledger.sweep(slot, 600), 5_000);
    assert.equal(slot.unsettled, 1);
    assert.equal(ledger.release("old"), false);
  });
});
