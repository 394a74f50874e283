import type { Clock } from "../../core/clock.ts";
import type { Logger } from "../../observability/logger.ts";
import { isPermanent } from "../error_info.ts";

/** Delays between attempts of a failing settle, ms: four attempts over about two seconds. */
export const SETTLE_RETRY_DELAYS_MS: readonly number[] = [100, 400, 1_600];

/** How {@link withRetry} waits and reports. */
export interface RetryContext {
  /** Time source for the back-off. */
  clock: Clock;
  /** Where retried and given-up attempts are reported. */
  logger: Logger;
  /** Delays between attempts; their count bounds the retries. */
  delays: readonly number[];
  /** Log fields naming what is retried. */
  fields: Record<string, unknown>;
}

/** How a retried action ended. */
export type RetryResult = { ok: true } | { ok: false; error: unknown; permanent: boolean };

const SUCCEEDED: RetryResult = Object.freeze({ ok: true });

/**
 * Runs `action`, retrying with back-off while it fails for a reason that may pass (a connection
 * blip, a server restart). Never throws: a permanent failure (a value that cannot be encoded)
 * stops at once, and a transient one stops after the last delay. The first attempt costs one
 * `then` (it is every task's settle); the retry loop starts only after a failure.
 */
export function withRetry(
  action: () => Promise<void>,
  context: RetryContext | (() => RetryContext),
): Promise<RetryResult> {
  let first: Promise<void>;
  try {
    first = action();
  } catch (error) {
    return retryAfter(error, action, context);
  }
  return first.then(() => SUCCEEDED, (error) => retryAfter(error, action, context));
}

async function retryAfter(
  failure: unknown,
  action: () => Promise<void>,
  contextOrMake: RetryContext | (() => RetryContext),
): Promise<RetryResult> {
  // Built only here, after a failure: the first attempt of every task's settle allocates none.
  const context = typeof contextOrMake === "function" ? contextOrMake() : contextOrMake;
  let error = failure;
  for (let attempt = 0;; attempt++) {
    const permanent = isPermanent(error);
    if (permanent || attempt >= context.delays.length) return { ok: false, error, permanent };
    const delay = context.delays[attempt];
    context.logger.warn("Settling a task failed; retrying", {
      ...context.fields,
      attempt: attempt + 1,
      retryInMs: delay,
      error,
    });
    await new Promise<void>((resolve) => context.clock.setTimeout(resolve, delay));
    try {
      await action();
      return SUCCEEDED;
    } catch (next) {
      error = next;
    }
  }
}
