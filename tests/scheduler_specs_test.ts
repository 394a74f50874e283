// Schedule specs as pure functions: interval alignment and bounds, cron with names, L, #, seconds
// and time zones across DST, calendar fields (all must match), clocked, solar against almanac
// times, and the errors that name the bad field.
import { test } from "node:test";
import assert from "node:assert/strict";
import { entryTiming, parseSpec, ScheduleSpecError, solarEvent } from "../mod.ts";

const at = (iso: string) => Date.parse(iso);
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function fires(spec: Parameters<typeof parseSpec>[0], from: string, count: number, zone?: string) {
  const times = parseSpec(spec);
  const out: (string | null)[] = [];
  let t: number | null = at(from);
  for (let i = 0; i < count && t !== null; i++) out.push(iso(t = times.next(t, zone)));
  return out;
}

test("interval: aligned to the epoch or startAt, strictly after, never past endAt", () => {
  assert.deepEqual(fires("every 5m", "2026-01-01T00:03:00Z", 2), [
    "2026-01-01T00:05:00.000Z",
    "2026-01-01T00:10:00.000Z",
  ]);
  assert.deepEqual(fires("every 5m", "2026-01-01T00:05:00Z", 1), ["2026-01-01T00:10:00.000Z"]);
  const bounded = { every: "1h", startAt: "2026-01-01T00:30:00Z", endAt: "2026-01-01T02:30:00Z" };
  assert.deepEqual(fires(bounded, "2025-12-31T00:00:00Z", 4), [
    "2026-01-01T00:30:00.000Z",
    "2026-01-01T01:30:00.000Z",
    "2026-01-01T02:30:00.000Z",
    null,
  ]);
});

test("cron: names, seconds, L and # in UTC", () => {
  assert.deepEqual(fires({ cron: "0 9 * * MON-FRI" }, "2026-01-02T10:00:00Z", 2), [
    "2026-01-05T09:00:00.000Z",
    "2026-01-06T09:00:00.000Z",
  ]);
  assert.deepEqual(fires({ cron: "*/15 * * * * *" }, "2026-01-01T00:00:07Z", 2), [
    "2026-01-01T00:00:15.000Z",
    "2026-01-01T00:00:30.000Z",
  ]);
  assert.deepEqual(fires({ cron: "0 0 L FEB *" }, "2026-01-01T00:00:00Z", 1), [
    "2026-02-28T00:00:00.000Z",
  ]);
  // The second Tuesday of the month.
  assert.deepEqual(fires({ cron: "0 12 ? * TUE#2" }, "2026-01-01T00:00:00Z", 1), [
    "2026-01-13T12:00:00.000Z",
  ]);
});

test("cron in a time zone across spring-forward and fall-back (Europe/Berlin, 2026)", () => {
  // 29 March: 02:00 CET jumps to 03:00 CEST. A daily 09:00 keeps local time: 08:00Z then 07:00Z.
  assert.deepEqual(fires({ cron: "0 9 * * *" }, "2026-03-28T00:00:00Z", 2, "Europe/Berlin"), [
    "2026-03-28T08:00:00.000Z",
    "2026-03-29T07:00:00.000Z",
  ]);
  // 02:30 does not exist on 29 March: it fires an hour later in local terms, once.
  const spring = fires({ cron: "30 2 * * *" }, "2026-03-28T12:00:00Z", 2, "Europe/Berlin");
  assert.equal(spring.length, 2);
  assert.equal(new Set(spring).size, 2, "one fire per day");
  assert.equal(spring[0], "2026-03-29T01:30:00.000Z");
  // 25 October: 03:00 CEST falls back to 02:00 CET; 02:30 happens twice but fires once.
  const fall = fires({ cron: "30 2 * * *" }, "2026-10-24T12:00:00Z", 2, "Europe/Berlin");
  assert.equal(fall[0]?.startsWith("2026-10-25T0"), true, String(fall[0]));
  assert.equal(fall[1], "2026-10-26T01:30:00.000Z");
});

test("calendar: every given field must match (not cron's either-day rule)", () => {
  // A Monday that is also the 1st: 1 June 2026.
  assert.deepEqual(
    fires(
      { calendar: { weekdays: [1], monthdays: [1], hours: [9], minutes: [15] } },
      "2026-01-01T00:00:00Z",
      1,
    ),
    ["2026-06-01T09:15:00.000Z"],
  );
  assert.deepEqual(
    fires({ calendar: { months: [12], monthdays: [25] } }, "2026-01-01T00:00:00Z", 1),
    [
      "2026-12-25T00:00:00.000Z",
    ],
  );
});

test("clocked fires once", () => {
  assert.deepEqual(fires({ runAt: "2026-05-01T09:00:00Z" }, "2026-01-01T00:00:00Z", 2), [
    "2026-05-01T09:00:00.000Z",
    null,
  ]);
});

test("solar events are within two minutes of almanac times; offsets shift them", () => {
  const london = { latitude: 51.5074, longitude: -0.1278 };
  const near = at("2026-06-21T12:00:00Z");
  const close = (event: "sunrise" | "sunset" | "noon", expected: string) => {
    const t = solarEvent({ event, ...london }, near)!;
    assert.ok(Math.abs(t - at(expected)) < 120_000, `${event}: ${iso(t)} vs ${expected}`);
  };
  // Almanac (HM Nautical Almanac Office): London, 21 June 2026, 04:43 / 13:02 / 21:21 BST.
  close("sunrise", "2026-06-21T03:43:00Z");
  close("noon", "2026-06-21T12:02:00Z");
  close("sunset", "2026-06-21T20:21:00Z");
  const early = parseSpec({ event: "sunrise", ...london, offset: "-30m" });
  const plain = parseSpec({ event: "sunrise", ...london });
  const from = at("2026-06-21T00:00:00Z");
  assert.equal(plain.next(from)! - early.next(from)!, 30 * 60_000);
  // Polar night: no sunrise at Longyearbyen on 21 December; the next is weeks later.
  const polar = parseSpec({ event: "sunrise", latitude: 78.22, longitude: 15.65 });
  assert.ok(polar.next(at("2026-12-21T00:00:00Z"))! > at("2027-02-01T00:00:00Z"));
});

test("bad specs and time zones are rejected with the field named", () => {
  const field = (fn: () => unknown, name: string) =>
    assert.throws(fn, (e: unknown) => e instanceof ScheduleSpecError && e.field === name);
  field(() => parseSpec("every soon"), "spec");
  field(() => parseSpec({ cron: "61 * * * *" }), "spec.cron");
  field(() => parseSpec({ event: "sunrise", latitude: 95, longitude: 0 }), "spec.latitude");
  field(() => parseSpec({ calendar: { hours: [24] } }), "spec.calendar.hours");
  field(() => parseSpec({ runAt: "tomorrow-ish" }), "spec.runAt");
  field(() => parseSpec({ nope: 1 } as never), "spec");
  field(
    () => entryTiming({ id: "x", task: "t", spec: "every 1m", timezone: "Mars/Olympus" }),
    "timezone",
  );
  field(
    () => entryTiming({ id: "x", task: "t", spec: "every 1m", catchUp: "later" as never }),
    "catchUp",
  );
});
