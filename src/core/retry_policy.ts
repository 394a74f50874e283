import { type Duration, toMillis } from "./duration.ts";
import type { TaskRetryPolicy } from "./envelope.ts";

/**
 * A retry policy as callers write it: delays are {@link Duration}s (`"2s"` or ms), like every
 * other time option. {@link normalizeRetryPolicy} turns it into the envelope's ms form.
 */
export interface RetryPolicyInput {
  /** Grow the delay exponentially with the attempt. @default false */
  backoff?: boolean;
  /** Base delay (the constant delay when `backoff` is off). @default 0 */
  defaultDelay?: Duration;
  /** Upper bound for the delay when `backoff` is on. */
  backoffMax?: Duration;
  /** Subtract up to 25% random jitter from the delay. @default true */
  jitter?: boolean;
  /** Overrides the task's `maxRetries`. */
  maxRetries?: number;
}

/**
 * Converts a {@link RetryPolicyInput} to the envelope's {@link TaskRetryPolicy} (delays in ms).
 * Throws `RangeError` on a bad duration; fields left out stay out.
 *
 * @example
 * ```ts
 * import { normalizeRetryPolicy } from "./retry_policy.ts";
 * normalizeRetryPolicy({ backoff: true, defaultDelay: "2s" }); // { backoff: true, defaultDelay: 2000 }
 * ```
 */
export function normalizeRetryPolicy(policy: RetryPolicyInput): TaskRetryPolicy {
  const out: TaskRetryPolicy = {};
  if (policy.backoff !== undefined) out.backoff = policy.backoff;
  if (policy.defaultDelay !== undefined) out.defaultDelay = toMillis(policy.defaultDelay);
  if (policy.backoffMax !== undefined) out.backoffMax = toMillis(policy.backoffMax);
  if (policy.jitter !== undefined) out.jitter = policy.jitter;
  if (policy.maxRetries !== undefined) out.maxRetries = policy.maxRetries;
  return out;
}

/**
 * Delay from a task's retry policy: `defaultDelay`, doubled per attempt when `backoff`, capped by
 * `backoffMax`, minus up to 25% jitter unless `jitter: false`.
 */
export function policyDelay(
  policy: TaskRetryPolicy,
  attempt: number,
  random: () => number = Math.random,
): number {
  const base = policy.defaultDelay ?? 0;
  let delay = policy.backoff ? base * 2 ** Math.min(attempt, 40) : base;
  if (policy.backoff && policy.backoffMax !== undefined) delay = Math.min(delay, policy.backoffMax);
  if (policy.jitter !== false) delay -= delay * 0.25 * random();
  return Math.max(0, Math.round(delay));
}

/** True when the policy sets any delay rule (otherwise the strategy decides). */
export function policyHasDelay(policy: TaskRetryPolicy | undefined): policy is TaskRetryPolicy {
  return !!policy && (policy.defaultDelay !== undefined || policy.backoff === true);
}
