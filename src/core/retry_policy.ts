import type { TaskRetryPolicy } from "./envelope.ts";

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
