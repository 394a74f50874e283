import { toMillis } from "../../core/duration.ts";
import { ScheduleSpecError } from "../schedule_error.ts";
import type { FireTimes, SolarSpec } from "./schedule_spec.ts";

const RAD = Math.PI / 180;
const DAY_MS = 86_400_000;
const J1970 = 2440587.5;
const J2000 = 2451545;
const J0 = 0.0009;
const OBLIQUITY = RAD * 23.4397;
// The sun's centre 0.833° below the horizon: refraction plus the solar radius.
const HORIZON = -0.833 * RAD;

/**
 * Sunrise, sunset or solar noon at a place, by the sunrise equation (the NOAA-style
 * approximation; within a minute or two of almanac times away from the poles). Days without the
 * event (polar day or night) are skipped.
 */
export function solarFireTimes(spec: SolarSpec): FireTimes {
  if (!["sunrise", "sunset", "noon"].includes(spec.event)) {
    throw new ScheduleSpecError("spec.event", `is "${spec.event}"; use sunrise, sunset or noon.`);
  }
  if (typeof spec.latitude !== "number" || !(Math.abs(spec.latitude) <= 90)) {
    throw new ScheduleSpecError("spec.latitude", "must be a number of degrees from -90 to 90.");
  }
  if (typeof spec.longitude !== "number" || !(Math.abs(spec.longitude) <= 180)) {
    throw new ScheduleSpecError("spec.longitude", "must be a number of degrees from -180 to 180.");
  }
  const offset = offsetMs(spec.offset);
  return {
    kind: "solar",
    next(after) {
      // Each day's solar cycle, starting the day before in case the offset reaches back.
      for (let day = -1; day < 370; day++) {
        let best: number | null = null;
        for (const k of [day, day + 1]) {
          const t = solarEvent(spec, after + k * DAY_MS);
          if (t !== null && t + offset > after && (best === null || t + offset < best)) {
            best = t + offset;
          }
        }
        if (best !== null) return best;
      }
      return null;
    },
  };
}

/** The event of the solar day nearest `near` (epoch ms), or null when the sun does not rise or set. */
export function solarEvent(spec: SolarSpec, near: number): number | null {
  const lw = -spec.longitude * RAD;
  const phi = spec.latitude * RAD;
  const d = near / DAY_MS + J1970 - J2000;
  const n = Math.round(d - J0 - lw / (2 * Math.PI));
  const ds = J0 + lw / (2 * Math.PI) + n;
  const m = RAD * (357.5291 + 0.98560028 * ds);
  const c = RAD * (1.9148 * Math.sin(m) + 0.02 * Math.sin(2 * m) + 0.0003 * Math.sin(3 * m));
  const l = m + c + RAD * 102.9372 + Math.PI;
  const dec = Math.asin(Math.sin(OBLIQUITY) * Math.sin(l));
  const transit = (j: number) => J2000 + j + 0.0053 * Math.sin(m) - 0.0069 * Math.sin(2 * l);
  const toMs = (j: number) => Math.round((j - J1970) * DAY_MS);
  const noon = transit(ds);
  if (spec.event === "noon") return toMs(noon);
  const cosW = (Math.sin(HORIZON) - Math.sin(phi) * Math.sin(dec)) /
    (Math.cos(phi) * Math.cos(dec));
  if (cosW < -1 || cosW > 1) return null;
  const set = transit(J0 + (Math.acos(cosW) + lw) / (2 * Math.PI) + n);
  return toMs(spec.event === "sunset" ? set : noon - (set - noon));
}

function offsetMs(offset: SolarSpec["offset"]): number {
  if (offset === undefined) return 0;
  if (typeof offset === "number") return offset;
  const negative = offset.trim().startsWith("-");
  try {
    const ms = toMillis(negative ? offset.trim().slice(1) : offset.trim().replace(/^\+/, ""));
    return negative ? -ms : ms;
  } catch {
    throw new ScheduleSpecError(
      "spec.offset",
      `must be a duration such as "-30m" or "1h", not "${offset}".`,
    );
  }
}
