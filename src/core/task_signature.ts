import type { Duration } from "./duration.ts";
import type { JsonValue } from "./envelope.ts";

/** Per-call options a signature carries; plain JSON, so a signature can travel in an envelope. */
export interface SignatureOptions {
  /** Queue override. */
  queue?: string;
  /** Priority 0–9. */
  priority?: number;
  /** Retries after the first attempt. */
  maxRetries?: number;
  /** Lease length of this task's deliveries. */
  visibilityTimeout?: Duration;
  /** Emits `taskSoftTimeLimit` when exceeded. */
  softTimeLimit?: Duration;
  /** Aborts the handler and fails (or retries) the task. */
  hardTimeLimit?: Duration;
  /** Delay before the task becomes visible once it is published. */
  countdown?: Duration;
  /** Not run when it has not started this long after it was published. */
  expires?: Duration;
  /** Store the status but not the result value. */
  ignoreResult?: boolean;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Extra metadata (keys must not start with `stem.`). */
  meta?: Record<string, JsonValue>;
  /**
   * In a chain: also pass the previous step's result as this argument (it is always on
   * `ctx.previousResult`). A chord callback gets its body's results, in body order.
   */
  previousResultAs?: string;
}

/**
 * One task call as plain data (`{ kind, name, args, options }`): what canvas chains, groups,
 * chords and batches are made of. `Result` is the task's result type, for typed results.
 */
export interface TaskSignature<Result = unknown> {
  /** Always `"task"`. */
  readonly kind: "task";
  /** Task name. */
  readonly name: string;
  /** Plain JSON arguments. */
  readonly args: Record<string, JsonValue>;
  /** Per-call options. */
  readonly options: SignatureOptions;
  /** Type-only marker of the task's result; never set at run time. */
  readonly "~result"?: Result;
}

/**
 * A task call as plain data for the canvas.
 *
 * @example
 * ```ts
 * import { signature } from "./task_signature.ts";
 * const sig = signature<number>("math.add", { a: 1, b: 2 }, { queue: "math" });
 * sig.name; // "math.add"
 * ```
 */
export function signature<Result = unknown>(
  name: string,
  args: Record<string, JsonValue> = {},
  options: SignatureOptions = {},
): TaskSignature<Result> {
  return { kind: "task", name, args, options };
}
