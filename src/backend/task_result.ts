import { WaitTimeoutError } from "../core/errors.ts";
import type { TaskError, TaskState, TaskStatus } from "./task_status.ts";

/**
 * The outcome of waiting for a task: its last status and the decoded result value.
 *
 * @example
 * ```ts ignore
 * const result = await stem.waitForTask<number>(id, { timeout: "5s" });
 * if (result.isSucceeded) console.log(result.value);
 * ```
 */
export class TaskResult<T> {
  /** Task id. */
  readonly id: string;
  /** Last status seen; null when the task was never seen. */
  readonly status: TaskStatus | null;
  /** The decoded result; undefined unless succeeded. */
  readonly value: T | undefined;
  /** True when the wait ended before a terminal state. */
  readonly timedOut: boolean;
  readonly #timeoutMs: number;

  /** Wraps a status and its decoded value. */
  constructor(
    id: string,
    status: TaskStatus | null,
    value: T | undefined,
    options: { timedOut?: boolean; timeoutMs?: number } = {},
  ) {
    this.id = id;
    this.status = status;
    this.value = value;
    this.timedOut = options.timedOut ?? false;
    this.#timeoutMs = options.timeoutMs ?? 0;
  }

  /** The state, or null when never seen. */
  get state(): TaskState | null {
    return this.status?.state ?? null;
  }

  /** True when the task succeeded. */
  get isSucceeded(): boolean {
    return this.status?.state === "succeeded";
  }

  /** True when the task failed for good. */
  get isFailed(): boolean {
    return this.status?.state === "failed";
  }

  /** True when the task was cancelled (e.g. expired). */
  get isCancelled(): boolean {
    return this.status?.state === "cancelled";
  }

  /** The recorded error, if any. */
  get error(): TaskError | null {
    return this.status?.error ?? null;
  }

  /** The value of a succeeded task; throws otherwise, saying why. */
  requiredValue(): T {
    if (this.isSucceeded) return this.value as T;
    if (this.timedOut) throw new WaitTimeoutError(this.id, this.#timeoutMs);
    const state = this.status?.state ?? "unknown";
    const detail = this.error ? `: ${this.error.type}: ${this.error.message}` : "";
    throw new Error(`Task "${this.id}" has no value; its state is "${state}"${detail}`);
  }
}
