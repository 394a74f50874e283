import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeEnvelope,
  encodeEnvelope,
  ExponentialJitterRetryStrategy,
  policyDelay,
  redactUrl,
  Signal,
  toMillis,
  uuidv7,
} from "../mod.ts";
import { testEnvelope } from "../src/testing/mod.ts";

describe("durations", () => {
  test("numbers and unit strings convert to ms; bad input throws at the call", () => {
    assert.equal(toMillis(250), 250);
    assert.equal(toMillis("250ms"), 250);
    assert.equal(toMillis("1.5s"), 1_500);
    assert.equal(toMillis("5m"), 300_000);
    assert.equal(toMillis("1h"), 3_600_000);
    assert.equal(toMillis("1d"), 86_400_000);
    assert.throws(() => toMillis("5 parsecs"), RangeError);
    assert.throws(() => toMillis(-1), RangeError);
  });
});

describe("envelope", () => {
  test("round-trips and rejects malformed messages naming the field", () => {
    const e = testEnvelope();
    assert.deepEqual(decodeEnvelope(encodeEnvelope(e)), e);
    assert.throws(() => decodeEnvelope("{nope"), {
      name: "EnvelopeError",
      message: /not valid JSON/,
    });
    assert.throws(() => decodeEnvelope(JSON.stringify({ ...e, v: 2 })), /version/);
    assert.throws(() => decodeEnvelope(JSON.stringify({ ...e, name: "" })), /"name"/);
    assert.throws(() => decodeEnvelope(JSON.stringify({ ...e, attempt: "1" })), /"attempt"/);
  });

  test("uuidv7 ids are unique and sort by time", () => {
    const a = uuidv7(1_000);
    const b = uuidv7(2_000);
    assert.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.ok(a < b);
    assert.notEqual(uuidv7(1), uuidv7(1));
  });

  test("redactUrl hides passwords and tokens", () => {
    assert.equal(redactUrl("redis://user:hunter2@host:6379/0"), "redis://user:***@host:6379/0");
    assert.ok(!redactUrl("postgres://u:p%40ss@h/db?password=x").includes("p%40ss"));
  });
});

describe("retry delays", () => {
  test("full jitter stays within [0, min(max, base*2^attempt)]", () => {
    const high = new ExponentialJitterRetryStrategy({
      base: "1s",
      max: "10s",
      random: () => 0.999999,
    });
    const low = new ExponentialJitterRetryStrategy({ base: "1s", max: "10s", random: () => 0 });
    assert.equal(high.nextDelay(0), 1_000);
    assert.equal(high.nextDelay(3), 8_000);
    assert.equal(high.nextDelay(10), 10_000);
    assert.equal(low.nextDelay(5), 0);
  });

  test("policy delays: constant, backoff capped, jitter subtracts up to 25%", () => {
    assert.equal(policyDelay({ defaultDelay: 500, jitter: false }, 3), 500);
    assert.equal(policyDelay({ defaultDelay: 500, backoff: true, jitter: false }, 3), 4_000);
    assert.equal(
      policyDelay({ defaultDelay: 500, backoff: true, backoffMax: 1_000, jitter: false }, 3),
      1_000,
    );
    assert.equal(policyDelay({ defaultDelay: 1_000 }, 0, () => 1), 750);
  });
});

describe("Signal", () => {
  test("priority order, filters, once, and errors isolated", () => {
    const calls: string[] = [];
    const errors: unknown[] = [];
    const s = new Signal<number>("demo", (e) => errors.push(e));
    s.connect((n) => calls.push(`low${n}`));
    s.connect((n) => calls.push(`high${n}`), { priority: 10 });
    s.connect(() => {
      throw new Error("x");
    }, { priority: 5 });
    s.connect((n) => calls.push(`even${n}`), { filter: (n) => n % 2 === 0, once: true });
    s.emit(1);
    s.emit(2);
    s.emit(4);
    assert.deepEqual(calls, ["high1", "low1", "high2", "low2", "even2", "high4", "low4"]);
    assert.equal(errors.length, 3);
  });
});
