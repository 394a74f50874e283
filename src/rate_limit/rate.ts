import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";

/** A rate as written in task options: `"10/s"`, `"100/m"`, `"1000/h"`. */
export type RateLimitSpec = `${number}/${"s" | "m" | "h"}`;

/** A parsed rate: `count` runs per `periodMs`, spaced `intervalMs` apart. */
export interface Rate {
  /** The spec it was parsed from. */
  spec: string;
  /** Runs per period. */
  count: number;
  /** The period, ms. */
  periodMs: number;
  /** `periodMs / count`: the spacing of runs at the limit. */
  intervalMs: number;
}

const PERIODS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };

/** A rate limit string that does not parse. */
export class RateLimitError extends StemError {
  /** Names the bad spec and the accepted forms. */
  constructor(spec: unknown) {
    super(
      ErrorCode.invalidRateLimit,
      `Invalid rate limit ${
        JSON.stringify(spec)
      }: use "<n>/s", "<n>/m" or "<n>/h" with n > 0, e.g. "10/s".`,
    );
  }
}

/** Parses `"10/s"`-style rates; throws {@link RateLimitError} on anything else. */
export function parseRate(spec: string): Rate {
  const match = typeof spec === "string"
    ? /^\s*(\d+(?:\.\d+)?)\s*\/\s*([smh])\s*$/.exec(spec)
    : null;
  const count = match ? Number(match[1]) : NaN;
  if (!match || !(count > 0)) throw new RateLimitError(spec);
  const periodMs = PERIODS[match[2]];
  return { spec, count, periodMs, intervalMs: periodMs / count };
}
