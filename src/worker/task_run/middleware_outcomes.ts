import type { Delivery } from "../../broker/broker.ts";
import { DeferDelivery, SupersededDelivery } from "../../core/consume_verdict.ts";
import { StemError } from "../../core/errors.ts";
import type { TaskRef } from "../../signals/stem_signals.ts";
import { toTaskError } from "../error_info.ts";
import type { TaskOutcome } from "../../core/task_outcome.ts";

/** Dead-letter reason of a delivery an `onConsume` middleware threw on without a code. */
export const REJECTED_BY_MIDDLEWARE = "rejected-by-middleware";

/**
 * The outcome of an `onConsume` middleware that threw: a {@link DeferDelivery} requeues it for
 * later with the same attempt, a {@link SupersededDelivery} acks it unrun, anything else rejects
 * it with the error's code as reason.
 */
export function consumeRejection(
  delivery: Delivery,
  ref: TaskRef,
  error: unknown,
): TaskOutcome {
  if (error instanceof DeferDelivery) {
    const next = { ...delivery.envelope, notBefore: error.until };
    const meta = { ...error.meta, deferred: error.reason };
    const taskError = { type: "Deferred", message: error.message, retryable: true };
    return {
      delivery,
      ref,
      kind: "retried",
      error: taskError,
      next,
      nextRetryAt: error.until,
      meta,
    };
  }
  if (error instanceof SupersededDelivery) {
    return { delivery, ref, kind: "duplicate", state: "queued" };
  }
  const reason = error instanceof StemError ? error.code : REJECTED_BY_MIDDLEWARE;
  return { delivery, ref, kind: "rejected", reason, error: toTaskError(error, false) };
}
