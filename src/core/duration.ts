/** A unit suffix of a {@link Duration} string. */
export type DurationUnit = "ms" | "s" | "m" | "h" | "d";

/**
 * A length of time: milliseconds as a number, or a string such as `"250ms"`, `"30s"`, `"5m"`,
 * `"1h"`, `"1d"`. The template literal type rejects typos such as `"5 sec"` at compile time; a
 * string read at run time (env, JSON) can be checked with {@link isDuration}.
 */
export type Duration = number | `${number}${DurationUnit}`;

const UNIT_MS: Record<DurationUnit, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** True when `value` is a number of ms (finite, 0 or more) or a valid duration string. */
export function isDuration(value: unknown): value is Duration {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0;
  return typeof value === "string" && PATTERN.test(value);
}

/**
 * Converts a {@link Duration} to whole milliseconds. Accepts any string at run time (values read
 * from env or JSON) and throws `RangeError` on one that is not a duration.
 *
 * @example
 * ```ts
 * import { toMillis } from "./duration.ts";
 * toMillis("1.5s"); // 1500
 * ```
 */
export function toMillis(duration: Duration | string): number {
  if (typeof duration === "number") {
    if (!Number.isFinite(duration) || duration < 0) {
      throw new RangeError(`Invalid duration ${duration}: use a finite number of ms, 0 or more.`);
    }
    return Math.round(duration);
  }
  const match = typeof duration === "string" ? PATTERN.exec(duration) : null;
  if (!match) {
    throw new RangeError(
      `Invalid duration ${
        JSON.stringify(duration)
      }: use milliseconds or a string like "250ms", "30s", "5m", "1h", "1d".`,
    );
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2] as DurationUnit]);
}

/** Like {@link toMillis} but passes `undefined` and `null` through. */
export function toMillisOrUndefined(
  duration: Duration | string | undefined | null,
): number | undefined {
  return duration === undefined || duration === null ? undefined : toMillis(duration);
}

/**
 * A point in time: a `Date`, epoch milliseconds, or an ISO 8601 date-time string with a time
 * part (`"2026-05-01T09:00:00Z"`). Always absolute; never a duration.
 */
export type Instant = Date | number | string;

const ISO_DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$/;

/** Converts an {@link Instant} to epoch ms; throws `RangeError` on anything that is not one. */
export function toEpochMillis(value: Instant): number {
  const ms = value instanceof Date
    ? value.getTime()
    : typeof value === "number"
    ? value
    : typeof value === "string" && ISO_DATE_TIME.test(value)
    ? Date.parse(value)
    : NaN;
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RangeError(
      `Invalid time ${
        value instanceof Date ? "Invalid Date" : JSON.stringify(value)
      }: use a Date, epoch milliseconds, or an ISO 8601 date-time such as "2026-05-01T09:00:00Z".`,
    );
  }
  return Math.round(ms);
}
