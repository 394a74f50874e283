import type { StoreSet } from "../core/adapter.ts";
import type { Clock } from "../core/clock.ts";
import { KvRateLimiter } from "./kv_rate_limiter.ts";
import type { RateLimiter } from "./rate_limiter.ts";

/** The set's own rate limiter (Redis: a Lua script), or one over its kv (every other adapter). */
export function rateLimiterOf(
  stores: Pick<StoreSet, "kv" | "rateLimiter">,
  clock?: Clock,
): RateLimiter {
  return stores.rateLimiter ?? new KvRateLimiter(stores.kv, { clock });
}
