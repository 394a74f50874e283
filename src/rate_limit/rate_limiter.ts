import type { Rate } from "./rate.ts";

/** Options of one {@link RateLimiter.acquire}. */
export interface RateAcquireOptions {
  /**
   * Who asks (a task id). A denied holder gets the next free slot reserved under its name, and a
   * later acquire by the same holder at or after that slot is allowed without taking another.
   */
  holder?: string;
  /** Look for a reservation of `holder` first (skip it on a first try to save a round trip). */
  redeem?: boolean;
  /** Runs allowed back to back before the spacing applies. @default 1 */
  burst?: number;
}

/** The verdict of one {@link RateLimiter.acquire}. */
export interface RateDecision {
  /** Run now. */
  allowed: boolean;
  /** When a denied holder may run (its reserved slot), epoch ms; `now` when allowed. */
  retryAt: number;
}

/**
 * A cluster-wide rate limiter (GCRA: runs spaced `rate.intervalMs` apart, `burst` allowed back to
 * back). Denied holders get a reserved slot each, so deferred tasks come back one interval apart
 * instead of all at once.
 */
export interface RateLimiter {
  /** Takes one run of `rate` under `key`, or tells when the holder's reserved slot comes. */
  acquire(key: string, rate: Rate, options?: RateAcquireOptions): Promise<RateDecision>;
}
