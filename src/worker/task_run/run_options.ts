import { toMillisOrUndefined } from "../../core/duration.ts";
import type { Envelope, TaskRetryPolicy } from "../../core/envelope.ts";
import { MetaKey } from "../../core/meta_keys.ts";
import { normalizeRetryPolicy } from "../../core/retry_policy.ts";
import type { AnyTaskHandler } from "../../core/task_handler.ts";

/** Deliveries after which a task is dead-lettered unrun, when nothing sets `maxDeliveries`. */
export const DEFAULT_MAX_DELIVERIES = 5;

/** The options one run obeys, resolved once per delivery. */
export interface RunOptions {
  /** Retries after the first attempt. */
  maxRetries: number;
  /** Retry delay rule; the worker's strategy when absent. */
  retryPolicy: TaskRetryPolicy | undefined;
  /** Soft time limit, ms. */
  softMs: number | undefined;
  /** Hard time limit, ms. */
  hardMs: number | undefined;
  /** Lease length, ms; the broker's default when absent. */
  visibilityTimeout: number | undefined;
  /** Ack after the handler (true) or before it runs (false). */
  acksLate: boolean;
  /** Deliveries allowed before the task is dead-lettered unrun. */
  maxDeliveries: number;
  /** Where the handler runs (the worker's handler decides). */
  isolation: "inline" | "worker";
}

/**
 * Resolves a run's options: the envelope's (set at enqueue, or from the producer's handler or
 * definition) win over the worker's own handler, which wins over the defaults. An envelope carries
 * only options that were set, so a producer without the handler (edge, no registry) leaves the
 * worker's options in force.
 */
export function resolveRunOptions(envelope: Envelope, handler: AnyTaskHandler): RunOptions {
  const own = handler.options ?? {};
  const limits = envelope.timeLimits;
  return {
    maxRetries: envelope.maxRetries ?? envelope.retryPolicy?.maxRetries ??
      own.retryPolicy?.maxRetries ?? own.maxRetries ?? 0,
    retryPolicy: envelope.retryPolicy ??
      (own.retryPolicy ? normalizeRetryPolicy(own.retryPolicy) : undefined),
    softMs: limits?.soft ?? toMillisOrUndefined(own.softTimeLimit),
    hardMs: limits?.hard ?? toMillisOrUndefined(own.hardTimeLimit),
    visibilityTimeout: envelope.visibilityTimeout ?? toMillisOrUndefined(own.visibilityTimeout),
    acksLate: envelope.acksLate ??
      (envelope.meta[MetaKey.acksEarly] === true ? false : own.acksLate ?? true),
    maxDeliveries: envelope.maxDeliveries ?? own.maxDeliveries ?? DEFAULT_MAX_DELIVERIES,
    isolation: own.isolation === "worker" ? "worker" : "inline",
  };
}
