import type { Duration, Instant } from "./duration.ts";
import type { Envelope, JsonValue, LinkedCall } from "./envelope.ts";
import type { RetryPolicyInput } from "./retry_policy.ts";

/**
 * How a unique task holds its key: `until-complete` (until the task ends: success, failure,
 * cancel, expiry or rejection), `throttle` (for `uniqueFor` whatever happens), `debounce` (a new
 * enqueue within `uniqueFor` replaces the pending task's args and pushes its start back).
 */
export type UniqueMode = "until-complete" | "throttle" | "debounce";

/** Picks a task's rate-limit group from its headers and envelope (e.g. a tenant id). */
export type GroupRateKeyFn = (
  headers: Readonly<Record<string, string>>,
  envelope: Envelope,
) => string;

/** Computes a unique task's key from its (validated) args and the caller's headers. */
export type UniqueKeyFn = (
  args: unknown,
  headers: Readonly<Record<string, string>>,
) => string | Promise<string>;

/** Per-task defaults, set on the handler or overridden per call. */
export interface TaskOptions {
  /** Queue to publish to. @default "default" */
  queue?: string;
  /** 0–9, higher runs first. @default 0 */
  priority?: number;
  /** Retries after the first attempt (so `maxRetries: 3` means up to 4 runs). @default 0 */
  maxRetries?: number;
  /** Execution retry policy (delays as durations); overrides the worker's retry strategy. */
  retryPolicy?: RetryPolicyInput;
  /** Lease length for deliveries of this task. @default the broker's (30s) */
  visibilityTimeout?: Duration;
  /** Emits `taskSoftTimeLimit` when exceeded. */
  softTimeLimit?: Duration;
  /** Aborts `ctx.signal` and fails (or retries) the task with `TaskTimeoutError`. */
  hardTimeLimit?: Duration;
  /**
   * Ack after the handler finishes (at-least-once). When false the delivery is acked as the task
   * starts (at-most-once: a crash loses it). @default true
   */
  acksLate?: boolean;
  /**
   * Deliveries after which a task that keeps outliving its lease (its worker died or hung each
   * time) is dead-lettered with reason `lease-expired-repeatedly` instead of running again.
   * @default 5
   */
  maxDeliveries?: number;
  /**
   * Deduplicate enqueues: while a task with the same key is held (see {@link UniqueMode}),
   * `enqueue` returns its id instead of publishing. `true` means `"until-complete"`. Needs the
   * unique-task middleware (a `StemApp` adds it; see docs/uniqueness.md). @default false
   */
  unique?: boolean | UniqueMode;
  /**
   * How long the key is held: the lock's TTL in `until-complete` (a crashed worker's lock expires
   * after it), the window in `throttle` and `debounce`. @default "5m" (`debounce`: required)
   */
  uniqueFor?: Duration;
  /**
   * The unique key, instead of the default hash of task, queue, args, headers and meta (trace
   * headers and `stem.*` meta excluded; `debounce` leaves the args out too, since a newer
   * enqueue replaces them).
   */
  uniqueKey?: UniqueKeyFn;
  /**
   * At most this many runs of the task per second, minute or hour (`"10/s"`, `"100/m"`,
   * `"1000/h"`) across every worker, spaced evenly. A task over the limit is put off to its
   * reserved slot without spending a retry or holding a worker slot. Read from the worker's
   * handler (a call-site value has no effect). See docs/rate_limits.md.
   */
  rateLimit?: string;
  /** A limit shared by every task of one group (see `groupRateKey`), checked before `rateLimit`. */
  groupRateLimit?: string;
  /**
   * The group of `groupRateLimit`: a header name, or a function of headers and envelope; a task
   * without the header counts in group `"global"`. @default "tenant"
   */
  groupRateKey?: string | GroupRateKeyFn;
  /**
   * When the rate limiter cannot be reached: `"failOpen"` runs the task (with a warning and a
   * `rateLimiterDegraded` signal), `"failClosed"` puts it off for a second. @default "failOpen"
   */
  rateLimitFailureMode?: "failOpen" | "failClosed";
  /**
   * Where the handler runs: `"inline"` in the worker's own event loop, `"worker"` in one of the
   * worker's isolates (a Web Worker or subprocess loading the `isolate.tasks` module), killed at
   * the hard time limit even in a busy loop. Read from the worker's handler. See
   * docs/isolation.md. @default "inline"
   */
  isolation?: "inline" | "worker";
}

/** Options for one publish, overriding the task's options. */
export interface TaskEnqueueOptions {
  /** Relative: delay before the task becomes visible. Ignored when `eta` is set. */
  countdown?: Duration;
  /**
   * Absolute earliest start (Date, epoch ms, or ISO 8601 date-time); wins over `countdown` and
   * `notBefore`.
   */
  eta?: Instant;
  /**
   * Relative: the task is not run when it has not started this long after it was enqueued (a
   * number is ms, like every duration). For an absolute deadline use `expiresAt`.
   */
  expires?: Duration;
  /** Absolute: not run after this time (Date, epoch ms, or ISO 8601). Wins over `expires`. */
  expiresAt?: Instant;
  /** Queue override. */
  queue?: string;
  /** Priority override, 0–9. */
  priority?: number;
  /**
   * Caller-chosen task id (non-empty); enqueue throws `DuplicateTaskIdError` when it exists
   * already. Pass one when you retry a failed enqueue: the first try may have published.
   */
  taskId?: string;
  /** Store the status but not the result value. @default false */
  ignoreResult?: boolean;
  /** Retry the publish itself when the broker throws. @default false */
  retry?: boolean;
  /** Publish-retry policy and execution retry policy for this call (delays as durations). */
  retryPolicy?: RetryPolicyInput;
  /** Tasks to enqueue when this one succeeds. */
  link?: LinkedCall[];
  /** Tasks to enqueue when this one fails for good. */
  linkError?: LinkedCall[];
  /** Encoder id for the args (e.g. `"gzip"`); overrides the task's. */
  encoder?: string;
  /**
   * Compress the args: `"gzip"` picks the `gzip` encoder (register `gzipPayloadEncoder` on the
   * producer and workers). Throws when combined with a non-JSON encoder, which it would replace.
   */
  compression?: "gzip";
}

/** Everything `stem.enqueue()` accepts besides the name. */
export interface EnqueueRequest<Args = Record<string, JsonValue>> {
  /** Task arguments. */
  args?: Args;
  /** Task option overrides. */
  options?: TaskOptions;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Extra metadata. */
  meta?: Record<string, JsonValue>;
  /** Absolute earliest start (lowest precedence after `eta` and `countdown`). */
  notBefore?: Instant;
  /** Per-publish options. */
  enqueueOptions?: TaskEnqueueOptions;
}

/** Merges call-site options over handler defaults; `undefined` fields do not override. */
export function mergeTaskOptions(
  base: TaskOptions | undefined,
  override: TaskOptions | undefined,
): TaskOptions {
  const merged: TaskOptions = { ...base };
  if (override) {
    for (const [key, value] of Object.entries(override)) {
      if (value !== undefined) (merged as Record<string, unknown>)[key] = value;
    }
  }
  return merged;
}
