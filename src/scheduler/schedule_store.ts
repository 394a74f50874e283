import type { ScheduleEntry, ScheduleEntryInput } from "./schedule_entry.ts";

/** What a dispatch recorded. */
export interface ScheduleRun {
  /** The fire time dispatched (or attempted), epoch ms. */
  fireAt: number;
  /** When it was published, epoch ms. */
  publishedAt: number;
  /** The next fire time after it. */
  nextRunAt: number | null;
  /** Set when the dispatch failed. */
  error?: string;
  /** Dispatches this run counts (a backfill records several). @default 1 */
  count?: number;
}

/** Options of {@link ScheduleStore.upsert}. */
export interface UpsertOptions {
  /** Refuse (`ScheduleVersionError`) unless the stored entry is at this version. */
  expectedVersion?: number;
  /**
   * The next fire time to store (the caller computes it from the spec when the entry is new or
   * its timing changed). @default the stored entry's, or null for a new entry
   */
  nextRunAt?: number | null;
}

/**
 * Schedule entries with their run history and an atomic claim of due entries, so any number of
 * Beats share one store and each due entry is dispatched by one of them at a time.
 */
export interface ScheduleStore {
  /** Creates or replaces an entry (history kept), with optimistic concurrency. */
  upsert(input: ScheduleEntryInput, options?: UpsertOptions): Promise<ScheduleEntry>;
  /** One entry, or null. */
  get(id: string): Promise<ScheduleEntry | null>;
  /** Every entry, by id. */
  list(): Promise<ScheduleEntry[]>;
  /** Deletes an entry; false when there was none. */
  remove(id: string): Promise<boolean>;
  /**
   * Claims up to `limit` enabled entries due at `now` for `owner` for `leaseMs`: no other owner
   * gets them until the lease passes or {@link ScheduleStore.recordRun} releases them.
   */
  claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<ScheduleEntry[]>;
  /** Records a dispatch, moves `nextRunAt` on and releases `owner`'s claim. */
  recordRun(id: string, owner: string, run: ScheduleRun): Promise<ScheduleEntry | null>;
  /** Gives `owner`'s claim of an entry back without recording a run. */
  release(id: string, owner: string): Promise<void>;
  /** The earliest `nextRunAt` of enabled entries, or null. */
  nextDue(): Promise<number | null>;
  /**
   * Calls `listener` (best effort, possibly spuriously) when another process may have changed an
   * entry, so a sleeping Beat wakes; resolves with the unsubscriber once active. Absent when the
   * store cannot tell: Beat then relies on its `maxSleepMs` bound.
   */
  watchChanges?(listener: () => void): Promise<() => Promise<void>>;
}
