import { ScheduleSpecError } from "../schedule_error.ts";
import { calendarFireTimes } from "./calendar_spec.ts";
import { clockedFireTimes } from "./clocked_spec.ts";
import { cronFireTimes } from "./cron_spec.ts";
import { intervalFireTimes } from "./interval_spec.ts";
import type { FireTimes, ScheduleSpec } from "./schedule_spec.ts";
import { solarFireTimes } from "./solar_spec.ts";

/**
 * The fire times of a spec: `"every 5m"` / `{ every }` (interval), `{ cron }`, a bare cron string
 * (`"*\/5 * * * *"`), `{ event, latitude, longitude }` (solar), `{ runAt }` (clocked),
 * `{ calendar }`. Throws `ScheduleSpecError` naming the field for anything else.
 */
export function parseSpec(spec: ScheduleSpec): FireTimes {
  if (typeof spec === "string") {
    if (/^every\s/i.test(spec.trim())) return intervalFireTimes(spec);
    return cronFireTimes(spec.trim());
  }
  if (spec === null || typeof spec !== "object") {
    throw new ScheduleSpecError(
      "spec",
      `must be a string or an object, not ${JSON.stringify(spec)}.`,
    );
  }
  if ("cron" in spec) return cronFireTimes(spec.cron);
  if ("every" in spec) return intervalFireTimes(spec);
  if ("event" in spec) return solarFireTimes(spec);
  if ("runAt" in spec) return clockedFireTimes(spec);
  if ("calendar" in spec) return calendarFireTimes(spec.calendar);
  throw new ScheduleSpecError(
    "spec",
    `has none of cron, every, event, runAt, calendar: ${JSON.stringify(spec)}.`,
  );
}

/** Throws `ScheduleSpecError` (field `timezone`) unless `zone` is an IANA time zone. */
export function validateTimezone(zone: string): void {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: zone });
  } catch {
    throw new ScheduleSpecError(
      "timezone",
      `"${zone}" is not an IANA time zone such as "Europe/Berlin".`,
    );
  }
}
