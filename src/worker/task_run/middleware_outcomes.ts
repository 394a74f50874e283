import type { Delivery } from "../../broker/broker.ts";
import { StemError } from "../../core/errors.ts";
import type { TaskRef } from "../../signals/stem_signals.ts";
import { toTaskError } from "../error_info.ts";
import type { RejectedOutcome } from "../../core/task_outcome.ts";

/** Dead-letter reason of a delivery an `onConsume` middleware threw on without a code. */
export const REJECTED_BY_MIDDLEWARE = "rejected-by-middleware";

/** The outcome of an `onConsume` middleware that threw: rejected, with the error's code as reason. */
export function consumeRejection(
  delivery: Delivery,
  ref: TaskRef,
  error: unknown,
): RejectedOutcome {
  const reason = error instanceof StemError ? error.code : REJECTED_BY_MIDDLEWARE;
  return { delivery, ref, kind: "rejected", reason, error: toTaskError(error, false) };
}
