import type { Delivery } from "../broker/broker.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import { DeferDelivery } from "../core/consume_verdict.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";
import type { TaskMiddleware } from "../core/middleware.ts";
import type { TaskOptions } from "../core/task_options.ts";
import type { TaskRegistry } from "../core/task_registry.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import { emitSignal, type StemSignalSet } from "../signals/stem_signals.ts";
import { parseRate, type Rate } from "./rate.ts";
import type { RateLimiter } from "./rate_limiter.ts";

/** Options of {@link RateLimits}. */
export interface RateLimitsOptions {
  /** The cluster-wide limiter (`rateLimiterOf(app.stores)`). */
  limiter: RateLimiter;
  /** The worker's handlers: their options carry the limits. */
  registry: TaskRegistry;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Where limiter failures are reported. @default silentLogger */
  logger?: Logger;
  /** Signal set for `rateLimiterDegraded` (the global `StemSignals` fire too). */
  signals?: StemSignalSet;
}

/** How long a task waits when its limiter is down and the limit fails closed. */
const FAIL_CLOSED_DELAY_MS = 1_000;

/** One limit a delivery must pass. */
interface Check {
  key: string;
  rate: Rate;
  meta: Record<string, JsonValue>;
}

/**
 * The rate-limit middleware (`onConsume`): checks a delivery's `groupRateLimit`, then its
 * `rateLimit` (from the worker's handler) against the shared limiter. A denied task is put off
 * to the slot the limiter reserved for it ({@link DeferDelivery}: same attempt, status `retried`
 * with `meta.deferred: "rate-limited"` and `meta.retryAt`), freeing the worker's slot at once.
 *
 * @example
 * ```ts
 * import { RateLimits } from "./rate_limits.ts";
 * import { KvRateLimiter } from "./kv_rate_limiter.ts";
 * import { SimpleTaskRegistry } from "../core/task_registry.ts";
 * import type { AtomicKv } from "../kv/atomic_kv.ts";
 * declare const kv: AtomicKv;
 * const registry = new SimpleTaskRegistry([]);
 * const limits = new RateLimits({ limiter: new KvRateLimiter(kv), registry });
 * const middleware = [limits]; // new Worker({ registry, middleware, ... })
 * ```
 */
export class RateLimits implements TaskMiddleware {
  readonly #limiter: RateLimiter;
  readonly #registry: TaskRegistry;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #signals: StemSignalSet | undefined;
  readonly #rates = new Map<string, Rate>();

  /** Limits over `options.limiter` for the handlers of `options.registry`. */
  constructor(options: RateLimitsOptions) {
    this.#limiter = options.limiter;
    this.#registry = options.registry;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
    this.#signals = options.signals;
  }

  /** Runs the delivery when every limit allows it; otherwise defers it to its slot. */
  async onConsume(delivery: Delivery, next: () => Promise<void>): Promise<void> {
    const options = delivery.invalid
      ? undefined
      : this.#registry.get(delivery.envelope.name)?.options;
    if (!options || (!options.rateLimit && !options.groupRateLimit)) return await next();
    const envelope = delivery.envelope;
    // Only a task put off before (it has a notBefore) can hold a reservation.
    const redeem = envelope.notBefore !== null;
    for (const check of this.#checks(envelope, options)) {
      let decision;
      try {
        decision = await this.#limiter.acquire(check.key, check.rate, {
          holder: envelope.id,
          redeem,
        });
      } catch (error) {
        this.#degraded(delivery, check, options, error);
        continue;
      }
      if (decision.allowed) continue;
      const at = new Date(decision.retryAt).toISOString();
      throw new DeferDelivery(
        decision.retryAt,
        `Rate limit ${check.rate.spec} of "${check.key}" reached; the task runs at ${at}.`,
        { reason: "rate-limited", meta: { ...check.meta, retryAt: Math.ceil(decision.retryAt) } },
      );
    }
    await next();
  }

  /** Validates a handler's limits up front (a bad spec throws `RateLimitError`). */
  validate(options: TaskOptions | undefined): void {
    if (options?.rateLimit) this.#rate(options.rateLimit);
    if (options?.groupRateLimit) this.#rate(options.groupRateLimit);
  }

  #checks(envelope: Envelope, options: TaskOptions): Check[] {
    const checks: Check[] = [];
    if (options.groupRateLimit) {
      const group = groupOf(envelope, options);
      const rate = this.#rate(options.groupRateLimit);
      checks.push({
        key: `group:${group}`,
        rate,
        meta: { rateLimited: true, groupRateLimited: true, groupKey: group, rateLimit: rate.spec },
      });
    }
    if (options.rateLimit) {
      const rate = this.#rate(options.rateLimit);
      const key = `task:${envelope.name}`;
      checks.push({
        key,
        rate,
        meta: { rateLimited: true, rateLimitKey: key, rateLimit: rate.spec },
      });
    }
    return checks;
  }

  #degraded(delivery: Delivery, check: Check, options: TaskOptions, error: unknown): void {
    const mode = options.rateLimitFailureMode ?? "failOpen";
    const envelope = delivery.envelope;
    const ref = {
      id: envelope.id,
      name: envelope.name,
      attempt: envelope.attempt,
      queue: delivery.queue,
    };
    emitSignal(this.#signals, "rateLimiterDegraded", { ...ref, key: check.key, mode, error });
    if (mode === "failOpen") {
      this.#logger.warn("The rate limiter failed; running the task unlimited (failOpen)", {
        taskId: envelope.id,
        key: check.key,
        error,
      });
      return;
    }
    const until = this.#clock.now() + FAIL_CLOSED_DELAY_MS;
    throw new DeferDelivery(
      until,
      `The rate limiter failed and "${check.key}" fails closed; the task is put off a second.`,
      {
        reason: "rate-limiter-unavailable",
        meta: { rateLimiterUnavailable: true, failureMode: mode },
      },
    );
  }

  #rate(spec: string): Rate {
    let rate = this.#rates.get(spec);
    if (!rate) this.#rates.set(spec, rate = parseRate(spec));
    return rate;
  }
}

/** A task's group: `groupRateKey` as a function or header name (default `tenant`), else `global`. */
function groupOf(envelope: Envelope, options: TaskOptions): string {
  const by = options.groupRateKey ?? "tenant";
  const value = typeof by === "function" ? by(envelope.headers, envelope) : envelope.headers[by];
  return typeof value === "string" && value !== "" ? value : "global";
}
