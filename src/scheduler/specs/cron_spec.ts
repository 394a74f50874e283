import { Cron } from "croner";
import { ScheduleSpecError } from "../schedule_error.ts";
import type { FireTimes } from "./schedule_spec.ts";

/**
 * A cron expression through croner: 5 fields or 6 with seconds, names (MON, JAN), `L`, `#`, `?`,
 * and IANA time zones with DST handled as croner does (a local time skipped by spring-forward
 * fires an hour later, a time repeated at fall-back fires once). `legacyMode: false` makes day-of-month AND day-of-week both
 * match, which calendar specs need.
 */
export function cronFireTimes(
  written: string,
  options: { legacyMode?: boolean } = {},
): FireTimes {
  // Quartz's "?" (no specific value) is a wildcard; croner would treat it as a value in the
  // either-day rule and fire every day.
  const expression = written.trim().split(/\s+/).map((f) => (f === "?" ? "*" : f)).join(" ");
  let probe: Cron;
  try {
    probe = new Cron(expression, { paused: true, legacyMode: options.legacyMode ?? true });
  } catch (error) {
    throw new ScheduleSpecError(
      "spec.cron",
      `is not a valid cron expression: ${(error as Error).message}`,
    );
  }
  const byZone = new Map<string, Cron>([["", probe]]);
  return {
    kind: "cron",
    next(after, timezone) {
      const zone = timezone ?? "";
      let cron = byZone.get(zone);
      if (!cron) {
        cron = new Cron(expression, {
          paused: true,
          timezone: zone,
          legacyMode: options.legacyMode ?? true,
        });
        byZone.set(zone, cron);
      }
      return cron.nextRun(new Date(after))?.getTime() ?? null;
    },
  };
}
