import { ScheduleSpecError } from "../schedule_error.ts";
import { cronFireTimes } from "./cron_spec.ts";
import type { CalendarSpec, FireTimes } from "./schedule_spec.ts";

const FIELDS: [keyof CalendarSpec, number, number][] = [
  ["minutes", 0, 59],
  ["hours", 0, 23],
  ["monthdays", 1, 31],
  ["months", 1, 12],
  ["weekdays", 0, 6],
];

/** Calendar fields as a cron expression whose every field must match (not cron's OR of days). */
export function calendarFireTimes(spec: CalendarSpec): FireTimes {
  const parts = FIELDS.map(([field, min, max]) => {
    const values = spec[field];
    if (values === undefined) return field === "minutes" || field === "hours" ? "0" : "*";
    if (!Array.isArray(values) || values.length === 0) {
      throw new ScheduleSpecError(
        `spec.calendar.${field}`,
        "must be a non-empty array of numbers.",
      );
    }
    for (const v of values) {
      if (!Number.isInteger(v) || v < min || v > max) {
        throw new ScheduleSpecError(
          `spec.calendar.${field}`,
          `holds ${v}; use whole numbers ${min}–${max}.`,
        );
      }
    }
    return [...new Set(values)].sort((a, b) => a - b).join(",");
  });
  const times = cronFireTimes(parts.join(" "), { legacyMode: false });
  return { kind: "calendar", next: times.next };
}
