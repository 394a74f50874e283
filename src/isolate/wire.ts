import type { JsonValue } from "../core/envelope.ts";
import { StemError, TaskRetryRequest } from "../core/errors.ts";
import { findJsonProblem, formatPath } from "../core/json_check.ts";
import { IsolateBoundaryError } from "./isolate_errors.ts";
import type { WireError } from "./protocol.ts";

/**
 * `value` as the JSON that crosses the boundary (`toJSON` applied, `undefined` properties
 * dropped, `undefined` itself as null); throws {@link IsolateBoundaryError} naming `what` and
 * the path when it is not JSON.
 */
export function toWireJson(value: unknown, taskName: string, what: string): JsonValue {
  if (value === undefined) return null;
  const problem = findJsonProblem(value);
  if (problem) {
    const at = problem.path.length ? ` at ${formatPath([what, ...problem.path])}` : "";
    throw new IsolateBoundaryError(taskName, `its ${what}${at} cannot cross: ${problem.message}.`);
  }
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

/** Anything thrown, as a {@link WireError}. */
export function toWireError(error: unknown): WireError {
  if (error instanceof TaskRetryRequest) {
    const { countdownMs, eta, maxRetries } = error;
    return {
      name: error.name,
      message: error.message,
      code: error.code,
      retry: clean({ countdownMs, eta, maxRetries }),
    };
  }
  if (error instanceof Error) {
    const wire: WireError = { name: error.name || "Error", message: error.message };
    if (error.stack) wire.stack = error.stack;
    const fields = error as { code?: unknown; retryable?: unknown };
    if (typeof fields.code === "string") wire.code = fields.code;
    if (fields.retryable === false) wire.retryable = false;
    return wire;
  }
  if (typeof error === "string") return { name: "string", message: error };
  return { name: error === null ? "null" : typeof error, message: `${String(error)} was thrown` };
}

/**
 * A {@link WireError} rebuilt as the worker's outcome logic expects it: a `TaskRetryRequest`
 * for `ctx.retry()`, a `StemError` (same code, so non-retryable codes stay so) for a coded error,
 * else an `Error` with the original name, message and stack.
 */
export function fromWireError(wire: WireError): Error {
  if (wire.retry) return new TaskRetryRequest(wire.retry);
  const error = wire.code === undefined
    ? new Error(wire.message)
    : new StemError(wire.code, wire.message);
  error.name = wire.name;
  if (wire.stack !== undefined) error.stack = wire.stack;
  if (wire.retryable === false) (error as { retryable?: boolean }).retryable = false;
  return error;
}

function clean<T extends Record<string, unknown>>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
