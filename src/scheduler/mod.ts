/**
 * The scheduler entry of Stem (`@stem/stem/scheduler`): Beat, its ports and specs, and the
 * producer it dispatches through — web-standard only, for edge hosts whose cron trigger calls
 * `beat.runOnce()` (Cloudflare Workers Cron Triggers, Deno Deploy's `Deno.cron`).
 *
 * @example
 * ```ts ignore
 * import { Beat, Stem } from "@stem/stem/scheduler";
 * import { HttpTransport, redisStoreSet } from "@stem/stem/redis/http";
 *
 * export default {
 *   scheduled(controller: { scheduledTime: number }, env: { STEM_BROKER_URL: string }, ctx: {
 *     waitUntil(p: Promise<unknown>): void;
 *   }) {
 *     const stores = redisStoreSet(HttpTransport.connect(env.STEM_BROKER_URL));
 *     const stem = new Stem({ broker: stores.broker, backend: stores.statuses });
 *     const beat = new Beat({ stem, store: stores.schedules });
 *     ctx.waitUntil(beat.runOnce({ now: Math.max(controller.scheduledTime, Date.now()) }));
 *   },
 * };
 * ```
 *
 * @module
 */
export { Stem, type StemOptions } from "../producer/stem.ts";
export { Beat, type BeatOptions, type DispatchReport } from "./beat.ts";
export { BEAT_NONCE_PREFIX, beatDuplicateFilter } from "./beat_duplicate_filter.ts";
export { KvScheduleStore } from "./kv_schedule_store.ts";
export { pollScheduleChanges } from "./poll_changes.ts";
export {
  type CatchUp,
  fireTaskId,
  type ScheduleEntry,
  type ScheduleEntryInput,
} from "./schedule_entry.ts";
export { ScheduleSpecError, ScheduleVersionError } from "./schedule_error.ts";
export type { ScheduleRun, ScheduleStore, UpsertOptions } from "./schedule_store.ts";
export { type EntryTiming, entryTiming, type FirePlan, planFires } from "./fire_plan.ts";
export { parseSpec, validateTimezone } from "./specs/parse_spec.ts";
export type {
  CalendarSpec,
  ClockedSpec,
  CronSpec,
  FireTimes,
  IntervalSpec,
  ScheduleSpec,
  SolarSpec,
} from "./specs/schedule_spec.ts";
