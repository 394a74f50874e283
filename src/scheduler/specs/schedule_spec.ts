import type { Instant } from "../../core/duration.ts";

/** `"every 5m"`, or an interval with optional bounds. */
export type IntervalSpec = string | { every: string | number; startAt?: Instant; endAt?: Instant };

/** A cron expression: 5 fields, or 6 with seconds first; names, `L`, `#`, `?` allowed. */
export interface CronSpec {
  /** The expression, e.g. `"0 9 * * MON-FRI"`. */
  cron: string;
}

/** A sun event at a place, plus an offset. */
export interface SolarSpec {
  /** Which event. */
  event: "sunrise" | "sunset" | "noon";
  /** Degrees north, -90..90. */
  latitude: number;
  /** Degrees east, -180..180. */
  longitude: number;
  /** Shift from the event, e.g. `"-30m"` or `"1h"`. @default 0 */
  offset?: string | number;
}

/** A one-shot fire. */
export interface ClockedSpec {
  /** When it fires. */
  runAt: Instant;
}

/** Calendar fields (all must match; omitted fields match anything). */
export interface CalendarSpec {
  /** 1–12. */
  months?: number[];
  /** 0–6, Sunday = 0. */
  weekdays?: number[];
  /** 1–31. */
  monthdays?: number[];
  /** 0–23. @default [0] */
  hours?: number[];
  /** 0–59. @default [0] */
  minutes?: number[];
}

/** What a schedule entry's `spec` may be. */
export type ScheduleSpec = IntervalSpec | CronSpec | SolarSpec | ClockedSpec | {
  calendar: CalendarSpec;
};

/** A parsed spec: the next fire time strictly after `after` (epoch ms), or null when none. */
export interface FireTimes {
  /** Spec kind, for display. */
  readonly kind: "interval" | "cron" | "solar" | "clocked" | "calendar";
  /** The next fire strictly after `after`, in `timezone` where the spec depends on one. */
  next(after: number, timezone?: string): number | null;
}
