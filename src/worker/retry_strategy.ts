import { type Duration, toMillis } from "../core/duration.ts";

/** Decides how long to wait before the next attempt. */
export interface RetryStrategy {
  /** Delay in ms before attempt `attempt + 1`, given the failed `attempt` (0-based). */
  nextDelay(attempt: number, error: unknown): number;
}

/** Options of {@link ExponentialJitterRetryStrategy}. */
export interface ExponentialJitterOptions {
  /** Delay of the first retry before jitter. @default "2s" */
  base?: Duration;
  /** Upper bound. @default "5m" */
  max?: Duration;
  /** Random source in [0, 1). @default Math.random */
  random?: () => number;
}

/**
 * Exponential backoff with full jitter: a uniform random delay in [0, min(max, base·2^attempt)].
 * Full jitter spreads retries of a failed burst instead of retrying them in lockstep.
 *
 * @example
 * ```ts
 * import { ExponentialJitterRetryStrategy } from "./retry_strategy.ts";
 * const strategy = new ExponentialJitterRetryStrategy({ base: "1s", max: "1m", random: () => 1 });
 * strategy.nextDelay(2, new Error()); // 4000
 * ```
 */
export class ExponentialJitterRetryStrategy implements RetryStrategy {
  readonly #base: number;
  readonly #max: number;
  readonly #random: () => number;

  /** Creates the strategy. */
  constructor(options: ExponentialJitterOptions = {}) {
    this.#base = toMillis(options.base ?? "2s");
    this.#max = toMillis(options.max ?? "5m");
    this.#random = options.random ?? Math.random;
  }

  /** Full-jitter delay for the failed `attempt`. */
  nextDelay(attempt: number): number {
    const cap = Math.min(this.#max, this.#base * 2 ** Math.min(attempt, 40));
    return Math.round(cap * this.#random());
  }
}

export { policyDelay, policyHasDelay } from "../core/retry_policy.ts";
