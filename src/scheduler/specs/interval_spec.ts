import { type Instant, toEpochMillis, toMillis } from "../../core/duration.ts";
import { ScheduleSpecError } from "../schedule_error.ts";
import type { FireTimes, IntervalSpec } from "./schedule_spec.ts";

/**
 * Fires every `every`, aligned to `startAt` (or to the epoch, so `every 5m` fires at :00, :05, …
 * on every Beat alike), never after `endAt`.
 */
export function intervalFireTimes(spec: IntervalSpec): FireTimes {
  const text = typeof spec === "string" ? spec : undefined;
  let every: number;
  try {
    const raw = text !== undefined
      ? /^every\s+(.+)$/i.exec(text.trim())?.[1]
      : spec === undefined
      ? undefined
      : (spec as { every: string | number }).every;
    if (raw === undefined) throw new Error("missing");
    every = toMillis(raw);
  } catch {
    throw new ScheduleSpecError(
      "spec",
      `must be "every <duration>" (e.g. "every 5m") or { every: "5m" }, not ${
        JSON.stringify(spec)
      }.`,
    );
  }
  if (every < 1) throw new ScheduleSpecError("spec.every", "must be at least 1 ms.");
  const bounds: { startAt?: Instant; endAt?: Instant } = typeof spec === "string" ? {} : spec;
  const start = bounds.startAt === undefined ? 0 : instant(bounds.startAt, "spec.startAt");
  const end = bounds.endAt === undefined ? Infinity : instant(bounds.endAt, "spec.endAt");
  return {
    kind: "interval",
    next(after) {
      const k = after < start ? 0 : Math.floor((after - start) / every) + 1;
      const t = start + k * every;
      return t > end ? null : t;
    },
  };
}

function instant(value: Instant, field: string): number {
  try {
    return toEpochMillis(value);
  } catch (error) {
    throw new ScheduleSpecError(field, `is not a date: ${(error as Error).message}`);
  }
}
