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
import { type Duration, isDuration, toEpochMillis } from "../src/core/duration.ts";
import { normalizeRetryPolicy } from "../src/core/retry_policy.ts";
import { validateQueueName } from "../src/core/queue_name.ts";
import { MAX_TIMER_DELAY_MS, systemClock } from "../src/core/clock.ts";

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

  test("the Duration type rejects typos at compile time (deno check checks this file)", () => {
    const ok: Duration[] = [250, "250ms", "1.5s", "5m", "1h", "1d"];
    // @ts-expect-error "5 sec" is not a Duration: the template literal type refuses it.
    const typo: Duration = "5 sec";
    // @ts-expect-error a unit is required on a string.
    const bare: Duration = "30";
    assert.deepEqual(ok.map(isDuration), [true, true, true, true, true, true]);
    assert.equal(isDuration(typo), false);
    assert.equal(isDuration(bare), false);
    assert.equal(isDuration(NaN), false);
  });

  test("instants: Date, epoch ms, or ISO 8601 date-time; anything else is a RangeError", () => {
    assert.equal(toEpochMillis(new Date(5)), 5);
    assert.equal(toEpochMillis(1_700_000_000_000), 1_700_000_000_000);
    assert.equal(toEpochMillis("2030-01-01T00:00:00Z"), Date.UTC(2030, 0, 1));
    for (const bad of ["tomorrow", "2030-01-01", "", NaN, -1, new Date("x")]) {
      assert.throws(() => toEpochMillis(bad as never), RangeError, String(bad));
    }
  });

  test("retry policies take durations and normalise to ms", () => {
    assert.deepEqual(
      normalizeRetryPolicy({ defaultDelay: "2s", backoffMax: "1m", jitter: false }),
      {
        defaultDelay: 2_000,
        backoffMax: 60_000,
        jitter: false,
      },
    );
    assert.throws(() => normalizeRetryPolicy({ defaultDelay: "2 sec" as never }), RangeError);
  });
});

describe("queue names", () => {
  test("letters, digits and -_.: pass; anything else is invalid-queue naming the value", () => {
    for (const ok of ["default", "emails.high", "tenant:42_jobs", "a-b", "Q".repeat(128)]) {
      assert.equal(validateQueueName(ok), ok);
    }
    const bad: [unknown, RegExp][] = [
      ["", /Invalid queue name "": it is empty/],
      ["   ", /it is empty/],
      [" default", /leading or trailing whitespace/],
      ["a{b}", /contains "\{"/],
      ["with space", /contains " "/],
      ["emoji🙂", /contains "🙂"/],
      ["Q".repeat(129), /129 characters long/],
      [5, /Invalid queue name 5 \(number\): it must be a string/],
      [null, /null \(null\)/],
    ];
    for (const [value, message] of bad) {
      assert.throws(() => validateQueueName(value), (e: Error & { code?: string }) => {
        assert.equal(e.name, "InvalidQueueError");
        assert.equal(e.code, "invalid-queue");
        assert.match(e.message, message);
        return true;
      });
    }
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

describe("systemClock", () => {
  test("a delay longer than the timers take is clamped, not turned into a 1 ms spin", () => {
    const seen: number[] = [];
    const original = globalThis.setTimeout;
    globalThis.setTimeout = ((fn: () => void, ms?: number) => {
      seen.push(ms ?? 0);
      return original(fn, 0);
    }) as typeof setTimeout;
    try {
      const handle = systemClock.setTimeout(() => {}, 40 * 86_400_000);
      systemClock.clearTimeout(handle);
    } finally {
      globalThis.setTimeout = original;
    }
    assert.deepEqual(seen, [MAX_TIMER_DELAY_MS]);
  });
});
