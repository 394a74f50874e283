/** A length of time: milliseconds as a number, or a string such as `"250ms"`, `"30s"`, `"5m"`, `"1h"`, `"1d"`. */
export type Duration = number | `${number}${"ms" | "s" | "m" | "h" | "d"}` | string;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PATTERN = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/**
 * Converts a {@link Duration} to whole milliseconds.
 *
 * @example
 * ```ts
 * import { toMillis } from "./duration.ts";
 * toMillis("1.5s"); // 1500
 * ```
 */
export function toMillis(duration: Duration): number {
  if (typeof duration === "number") {
    if (!Number.isFinite(duration) || duration < 0) {
      throw new RangeError(`Invalid duration ${duration}: use a finite number of ms, 0 or more.`);
    }
    return Math.round(duration);
  }
  const match = PATTERN.exec(duration);
  if (!match) {
    throw new RangeError(
      `Invalid duration "${duration}": use milliseconds or a string like "250ms", "30s", "5m", "1h", "1d".`,
    );
  }
  return Math.round(Number(match[1]) * UNIT_MS[match[2]]);
}

/** Like {@link toMillis} but passes `undefined` and `null` through. */
export function toMillisOrUndefined(duration: Duration | undefined | null): number | undefined {
  return duration === undefined || duration === null ? undefined : toMillis(duration);
}
