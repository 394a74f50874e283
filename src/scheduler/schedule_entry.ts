import type { Instant } from "../core/duration.ts";
import type { JsonValue } from "../core/envelope.ts";
import type { ScheduleSpec } from "./specs/schedule_spec.ts";

/** What to do with fires missed while no Beat ran. */
export type CatchUp = "skip" | "none" | "all";

/** A schedule entry as written by code or a file. */
export interface ScheduleEntryInput {
  /** Stable id; the dispatched task ids derive from it. */
  id: string;
  /** Task name to enqueue. */
  task: string;
  /** Task arguments. @default {} */
  args?: Record<string, JsonValue>;
  /** Queue override. */
  queue?: string;
  /** Extra envelope headers. */
  headers?: Record<string, string>;
  /** Extra envelope metadata. */
  meta?: Record<string, JsonValue>;
  /** When it fires. */
  spec: ScheduleSpec;
  /** Disabled entries keep their history and never fire. @default true */
  enabled?: boolean;
  /** Random delay up to this many ms added to each dispatch, to spread load. @default 0 */
  jitter?: number;
  /** IANA time zone of cron and calendar specs. @default "UTC" */
  timezone?: string;
  /** No fire before this. */
  startAt?: Instant;
  /** No fire after this. */
  endAt?: Instant;
  /** The entry stops firing and may be removed after this. */
  expireAt?: Instant;
  /**
   * Missed fires after downtime: `"skip"` runs once now if overdue, then resumes the cadence;
   * `"none"` drops overdue fires; `"all"` backfills each (at most `maxCatchUp`). @default "skip"
   */
  catchUp?: CatchUp;
  /** Most fires `"all"` backfills at once. @default 100 */
  maxCatchUp?: number;
}

/** A stored entry: the input plus version and run history. */
export interface ScheduleEntry extends ScheduleEntryInput {
  /** Grows with every upsert; an upsert naming an older one is refused. */
  version: number;
  /** The next fire time, epoch ms; null when it will not fire again. */
  nextRunAt: number | null;
  /** The fire time last dispatched, epoch ms. */
  lastRunAt: number | null;
  /** Dispatches so far. */
  totalRunCount: number;
  /** The last dispatch error. */
  lastError: string | null;
  /** When it happened. */
  lastErrorAt: number | null;
  /** Publish time minus fire time of the last dispatch, ms. */
  lastDriftMs: number | null;
}

/** Task id of the dispatch of `entryId` at fire time `fireAt`: the same on every Beat. */
export function fireTaskId(entryId: string, fireAt: number): string {
  return `beat:${entryId}:${fireAt}`;
}
