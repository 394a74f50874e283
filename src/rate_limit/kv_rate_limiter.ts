import { type Clock, systemClock } from "../core/clock.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";
import { gcraStep } from "./gcra.ts";
import type { Rate } from "./rate.ts";
import type { RateAcquireOptions, RateDecision, RateLimiter } from "./rate_limiter.ts";

/** Options of {@link KvRateLimiter}. */
export interface KvRateLimiterOptions {
  /** Prefix of every key in the kv. @default "rate:" */
  prefix?: string;
  /** Time source (every process must share it: one host, or synced clocks). @default systemClock */
  clock?: Clock;
}

/** Lost compare-and-set races before an acquire gives up (the caller's failure mode applies). */
const MAX_CAS_ATTEMPTS = 50;

/** A slot reached this close to its time counts as due (timers and brokers are not exact). */
const SLOT_SLACK_MS = 5;

/**
 * A {@link RateLimiter} written once over {@link AtomicKv}: the GCRA state of a key is its TAT
 * (epoch ms) updated with compare-and-set, and each reservation is a key of its own with a TTL.
 *
 * @example
 * ```ts
 * import { KvRateLimiter } from "./kv_rate_limiter.ts";
 * import { parseRate } from "./rate.ts";
 * import type { AtomicKv } from "../kv/atomic_kv.ts";
 * declare const kv: AtomicKv;
 * const limiter = new KvRateLimiter(kv);
 * const decision = await limiter.acquire("task:email.send", parseRate("20/s"));
 * ```
 */
export class KvRateLimiter implements RateLimiter {
  readonly #kv: AtomicKv;
  readonly #prefix: string;
  readonly #clock: Clock;

  /** A limiter over `kv`. */
  constructor(kv: AtomicKv, options: KvRateLimiterOptions = {}) {
    this.#kv = kv;
    this.#prefix = options.prefix ?? "rate:";
    this.#clock = options.clock ?? systemClock;
  }

  /** Takes a run, redeems the holder's reservation, or reserves the next slot for it. */
  async acquire(key: string, rate: Rate, options: RateAcquireOptions = {}): Promise<RateDecision> {
    const { holder } = options;
    const stateKey = this.#prefix + key;
    const reservationKey = holder === undefined ? "" : `${stateKey}:r:${holder}`;
    if (holder !== undefined && options.redeem) {
      const slot = await this.#kv.get(reservationKey);
      if (slot !== null) {
        const at = Number(slot);
        if (at > this.#clock.now() + SLOT_SLACK_MS) return { allowed: false, retryAt: at };
        await this.#kv.delete(reservationKey);
        return { allowed: true, retryAt: this.#clock.now() };
      }
    }
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const raw = await this.#kv.get(stateKey);
      const now = this.#clock.now();
      const step = gcraStep(
        raw === null ? null : Number(raw),
        now,
        rate.intervalMs,
        options.burst ?? 1,
        holder !== undefined,
      );
      const ttl = Math.ceil(step.tat - now + rate.periodMs);
      const next = String(step.tat);
      const wrote = step.tat === Number(raw)
        ? true
        : raw === null
        ? await this.#kv.setIfAbsent(stateKey, next, { ttl })
        : await this.#kv.compareAndSet(stateKey, raw, next, { ttl });
      if (!wrote) continue;
      if (!step.allowed && holder !== undefined) {
        await this.#kv.set(reservationKey, String(step.at), {
          ttl: Math.ceil(step.at - now + rate.periodMs),
        });
      }
      return { allowed: step.allowed, retryAt: step.at };
    }
    throw new Error(`Rate limit key "${key}" is too contended: ${MAX_CAS_ATTEMPTS} writes lost.`);
  }
}
