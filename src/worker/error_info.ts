import type { TaskError } from "../backend/task_status.ts";
import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";

const NON_RETRYABLE_CODES: ReadonlySet<string> = new Set([
  ErrorCode.validationFailed,
  ErrorCode.unknownEncoder,
  ErrorCode.unknownTask,
  ErrorCode.malformedEnvelope,
  ErrorCode.payloadEncodeFailed,
  ErrorCode.isolateUnserializable,
  ErrorCode.isolateStartFailed,
  ErrorCode.isolationUnavailable,
]);

/** Longest message kept from a thrown non-Error value. */
const MAX_MESSAGE = 2_000;

/** True unless the error says it must not be retried (typed Stem errors, or `retryable: false`). */
export function isRetryable(error: unknown): boolean {
  if (error instanceof StemError && NON_RETRYABLE_CODES.has(error.code)) return false;
  return (error as { retryable?: unknown })?.retryable !== false;
}

/**
 * True when trying again cannot help: a value that cannot be encoded, a programming error. Such a
 * settle is dead-lettered at once instead of retried.
 */
export function isPermanent(error: unknown): boolean {
  if (error instanceof StemError) return NON_RETRYABLE_CODES.has(error.code);
  return error instanceof TypeError || error instanceof RangeError ||
    error instanceof SyntaxError;
}

/** Turns anything thrown (an Error, a string, a plain object, null) into a readable {@link TaskError}. */
export function toTaskError(error: unknown, retryable: boolean): TaskError {
  if (error instanceof Error) {
    const info: TaskError = { type: error.name || "Error", message: error.message, retryable };
    if (error.stack) info.stack = error.stack;
    if (error instanceof StemError) info.code = error.code;
    return info;
  }
  if (typeof error === "object" && error !== null) return fromObject(error, retryable);
  if (typeof error === "string") return { type: "string", message: clip(error), retryable };
  return {
    type: error === null ? "null" : typeof error,
    message: `${String(error)} was thrown; throw an Error to record a message and a stack.`,
    retryable,
  };
}

function fromObject(error: object, retryable: boolean): TaskError {
  const fields = error as Record<string, unknown>;
  const info: TaskError = {
    type: typeof fields.name === "string" && fields.name ? fields.name : "Object",
    message: typeof fields.message === "string" ? clip(fields.message) : describe(error),
    retryable,
  };
  if (typeof fields.code === "string") info.code = fields.code;
  if (typeof fields.stack === "string") info.stack = fields.stack;
  return info;
}

function describe(value: object): string {
  try {
    const text = JSON.stringify(value, (_key, v) => typeof v === "bigint" ? `${v}n` : v);
    return clip(text ?? Object.prototype.toString.call(value));
  } catch {
    return Object.prototype.toString.call(value);
  }
}

function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}
