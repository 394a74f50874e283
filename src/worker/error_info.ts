import type { TaskError } from "../backend/task_status.ts";
import { StemError } from "../core/errors.ts";

const NON_RETRYABLE_CODES = new Set([
  "validation-failed",
  "unknown-encoder",
  "unknown-task",
  "malformed-envelope",
]);

/** True unless the error says it must not be retried (typed Stem errors, or `retryable: false`). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof StemError && NON_RETRYABLE_CODES.has(error.code)) return false;
  return (error as { retryable?: unknown })?.retryable !== false;
}

/** Turns anything thrown into the {@link TaskError} stored on a status. */
export function toTaskError(error: unknown, retryable: boolean): TaskError {
  if (error instanceof Error) {
    const info: TaskError = {
      type: error.name || "Error",
      message: error.message,
      retryable,
    };
    if (error.stack) info.stack = error.stack;
    if (error instanceof StemError) info.code = error.code;
    return info;
  }
  return { type: typeof error, message: String(error), retryable };
}
