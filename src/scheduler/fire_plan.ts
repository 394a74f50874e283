import { toEpochMillis } from "../core/duration.ts";
import type { ScheduleEntry, ScheduleEntryInput } from "./schedule_entry.ts";
import { parseSpec, validateTimezone } from "./specs/parse_spec.ts";
import type { FireTimes } from "./specs/schedule_spec.ts";
import { ScheduleSpecError } from "./schedule_error.ts";

/** An entry's parsed timing: its spec within its bounds and time zone. */
export interface EntryTiming {
  /** The next fire strictly after `after`, or null when the entry will not fire again. */
  next(after: number): number | null;
}

/** Validates an entry (spec, time zone, bounds, catch-up) and returns its timing. */
export function entryTiming(entry: ScheduleEntryInput): EntryTiming {
  if (typeof entry.id !== "string" || entry.id === "" || entry.id.includes("\n")) {
    throw new ScheduleSpecError("id", "must be a non-empty single-line string.");
  }
  if (typeof entry.task !== "string" || entry.task === "") {
    throw new ScheduleSpecError("task", "must name the task to enqueue.");
  }
  if (entry.catchUp !== undefined && !["skip", "none", "all"].includes(entry.catchUp)) {
    throw new ScheduleSpecError("catchUp", `is "${entry.catchUp}"; use skip, none or all.`);
  }
  const zone = entry.timezone ?? "UTC";
  validateTimezone(zone);
  const times: FireTimes = parseSpec(entry.spec);
  const bound = (field: "startAt" | "endAt" | "expireAt") => {
    const value = entry[field];
    if (value === undefined) return undefined;
    try {
      return toEpochMillis(value);
    } catch (error) {
      throw new ScheduleSpecError(field, `is not a date: ${(error as Error).message}`);
    }
  };
  const start = bound("startAt");
  const end = Math.min(bound("endAt") ?? Infinity, bound("expireAt") ?? Infinity);
  return {
    next(after) {
      const from = start !== undefined && after < start - 1 ? start - 1 : after;
      const t = times.next(from, zone);
      return t === null || t > end ? null : t;
    },
  };
}

/** The fires to dispatch for a claimed entry at `now`, and the next fire after them. */
export interface FirePlan {
  /** Fire times to dispatch, oldest first (empty when overdue fires are dropped). */
  fires: number[];
  /** The entry's next fire after this dispatch. */
  nextRunAt: number | null;
}

/**
 * What a due entry dispatches at `now` under its catch-up policy. `misfireGraceMs` is how late a
 * fire may be and still count as on time (`catchUp: "none"` drops later ones).
 */
export function planFires(entry: ScheduleEntry, now: number, misfireGraceMs: number): FirePlan {
  const timing = entryTiming(entry);
  const first = entry.nextRunAt;
  if (first === null || first > now) return { fires: [], nextRunAt: first };
  const onTime = now - first <= misfireGraceMs;
  const policy = entry.catchUp ?? "skip";
  if (policy === "all") {
    const fires: number[] = [];
    const max = entry.maxCatchUp ?? 100;
    let t: number | null = first;
    while (t !== null && t <= now && fires.length < max) {
      fires.push(t);
      t = timing.next(t);
    }
    return { fires, nextRunAt: t !== null && t <= now ? timing.next(now) : t };
  }
  const nextRunAt = timing.next(now);
  if (onTime || policy === "skip") return { fires: [first], nextRunAt };
  return { fires: [], nextRunAt };
}
