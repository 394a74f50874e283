import type { Rate } from "../../../src/rate_limit/rate.ts";
import type {
  RateAcquireOptions,
  RateDecision,
  RateLimiter,
} from "../../../src/rate_limit/rate_limiter.ts";
import { scripts } from "../_scripts.ts";
import type { RedisReply, RedisTransport } from "../transport.ts";

/** A slot reached this close to its time counts as due (as in `KvRateLimiter`). */
const SLOT_SLACK_MS = 5;

/**
 * {@link RateLimiter} on Redis: the GCRA step (`src/rate_limit/gcra.ts`) as one Lua script on the
 * server's clock, so an acquire is one round trip with no compare-and-set retries under
 * contention, and every process shares one time source.
 *
 * @example
 * ```ts ignore
 * const limiter = new RedisRateLimiter(transport, { namespace: "stem" });
 * const decision = await limiter.acquire("task:email.send", parseRate("20/s"));
 * ```
 */
export class RedisRateLimiter implements RateLimiter {
  readonly #transport: RedisTransport;
  readonly #namespace: string;

  /** Uses `transport` (not closed by this limiter) under `namespace`. @default "stem" */
  constructor(transport: RedisTransport, options: { namespace?: string } = {}) {
    this.#transport = transport;
    this.#namespace = options.namespace ?? "stem";
  }

  /** Takes a run, redeems the holder's reservation, or reserves the next slot for it. */
  async acquire(key: string, rate: Rate, options: RateAcquireOptions = {}): Promise<RateDecision> {
    // The key is the hash tag, so state and reservation land on one Cluster slot.
    const state = `${this.#namespace}:rate:{${key}}`;
    const { holder } = options;
    const reservation = holder === undefined ? `${state}:r` : `${state}:r:${holder}`;
    const reply = await this.#transport.script(scripts.gcra, [state, reservation], [
      String(rate.intervalMs),
      String(options.burst ?? 1),
      String(rate.periodMs),
      holder === undefined ? "0" : "1",
      options.redeem ? "1" : "0",
      String(SLOT_SLACK_MS),
    ]) as RedisReply[];
    return { allowed: Number(reply[0]) === 1, retryAt: Number(reply[1]) };
  }
}
