import type { JsonValue } from "./envelope.ts";
import { ErrorCode } from "./error_codes.ts";
import { StemError } from "./errors.ts";

/** Options of {@link DeferDelivery}. */
export interface DeferDeliveryOptions {
  /** Short machine-readable reason stored on the status meta, e.g. `"rate-limited"`. */
  reason: string;
  /** Extra status meta (limit key, rate...). */
  meta?: Record<string, JsonValue>;
}

/**
 * Thrown by an `onConsume` middleware to put a delivery off until `until` (epoch ms) without
 * running it: it is requeued with that `notBefore` and the same attempt (no retry is spent), its
 * status reads `retried` with `meta.deferred` naming the reason and `meta.retryAt` the time, and
 * the worker's slot is free at once. Rate limits and queue concurrency use it.
 */
export class DeferDelivery extends StemError {
  /** When the delivery becomes visible again, epoch ms. */
  readonly until: number;
  /** Why (stored as `meta.deferred`). */
  readonly reason: string;
  /** Extra status meta. */
  readonly meta: Record<string, JsonValue>;

  /** Defers to `until` for `options.reason`; `message` is stored as the status error. */
  constructor(until: number, message: string, options: DeferDeliveryOptions) {
    super(ErrorCode.deliveryDeferred, message);
    // Brokers store whole milliseconds (Postgres: int8).
    this.until = Math.ceil(until);
    this.reason = options.reason;
    this.meta = options.meta ?? {};
  }
}

/**
 * Thrown by an `onConsume` middleware when the delivery is an outdated copy whose task lives on
 * in a newer message (a debounced task): it is acked without running and nothing is written.
 */
export class SupersededDelivery extends StemError {
  /** Says why the copy is outdated. */
  constructor(message: string) {
    super(ErrorCode.deliverySuperseded, message);
  }
}
