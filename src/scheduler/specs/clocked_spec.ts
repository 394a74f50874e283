import { toEpochMillis } from "../../core/duration.ts";
import { ScheduleSpecError } from "../schedule_error.ts";
import type { ClockedSpec, FireTimes } from "./schedule_spec.ts";

/** Fires once at `runAt`. */
export function clockedFireTimes(spec: ClockedSpec): FireTimes {
  let at: number;
  try {
    at = toEpochMillis(spec.runAt);
  } catch (error) {
    throw new ScheduleSpecError("spec.runAt", `is not a date: ${(error as Error).message}`);
  }
  return { kind: "clocked", next: (after) => (at > after ? at : null) };
}
