import type { Envelope, JsonValue } from "../core/envelope.ts";

/**
 * An error as it crosses the isolate boundary: enough to rebuild what the worker's outcome logic
 * reads (name, message, stack, code, `retryable`, a retry request's timing).
 */
export interface WireError {
  /** The error's `name` (`"TypeError"`, `"TaskTimeoutError"`). */
  name: string;
  /** The message. */
  message: string;
  /** The stack, when there was one. */
  stack?: string;
  /** A `StemError`'s stable code. */
  code?: string;
  /** False when the task said it must not be retried. */
  retryable?: boolean;
  /** Set when the task called `ctx.retry()`. */
  retry?: { countdownMs?: number; eta?: number; maxRetries?: number };
}

/** What a task in an isolate asks of the worker that owns its delivery. */
export type IsolateCallOp = "progress" | "heartbeat" | "extendLease" | "enqueue";

/** Worker → isolate. Every message is plain JSON, so any transport (postMessage, a pipe) carries it. */
export type HostMessage =
  /** Load the tasks module; answered by `ready` or `fatal`. */
  | { type: "init"; tasks: string }
  /** Run one task; answered by `done`. */
  | { type: "run"; job: number; envelope: Envelope; args: JsonValue }
  /** Abort the task's `ctx.signal` (hard limit, revocation, shutdown). */
  | { type: "abort"; job: number; reason: WireError }
  /** The answer to a `call`. */
  | { type: "reply"; call: number; ok: true; value: JsonValue }
  | { type: "reply"; call: number; ok: false; error: WireError };

/** Isolate → worker. */
export type IsolateMessage =
  /** The tasks module loaded; these are the names it serves. */
  | { type: "ready"; tasks: string[] }
  /** The isolate cannot serve (its tasks module failed to load). */
  | { type: "fatal"; error: WireError }
  /** A task finished; `memory` is the isolate's memory use in bytes after it, when known. */
  | { type: "done"; job: number; ok: true; value: JsonValue; memory?: number }
  | { type: "done"; job: number; ok: false; error: WireError; memory?: number }
  /** A task's context call (progress, heartbeat, lease, child enqueue); answered by `reply`. */
  | { type: "call"; job: number; call: number; op: IsolateCallOp; args: JsonValue };
