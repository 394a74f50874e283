import type { TaskError, TaskState } from "../backend/task_status.ts";
import type { Delivery } from "../broker/broker.ts";
import type { Envelope, JsonValue } from "./envelope.ts";
import type { TaskRef } from "../signals/stem_signals.ts";

/** What every outcome carries: the delivery it settles and the task it belongs to. */
export interface OutcomeBase {
  /** The delivery this outcome settles. */
  delivery: Delivery;
  /** Signal-style reference to the task (id, name, attempt, queue, worker). */
  ref: TaskRef;
}

/** The handler returned; `stored` is the encoded result written to the status. */
export interface SucceededOutcome extends OutcomeBase {
  /** Kind. */
  kind: "succeeded";
  /** The handler's return value. */
  result: unknown;
  /** The result after its encoder (null when `ignoreResult`). */
  stored: JsonValue;
  /** Result encoder id when not JSON. */
  encoder?: string;
  /** Handler run time, ms. */
  runtimeMs: number;
}

/** The task will run again: `next` is the envelope requeued (attempt + 1, later `notBefore`). */
export interface RetriedOutcome extends OutcomeBase {
  /** Kind. */
  kind: "retried";
  /** Why. */
  error: TaskError;
  /** The requeued envelope. */
  next: Envelope;
  /** When the next attempt becomes visible, epoch ms. */
  nextRetryAt: number;
  /** Extra status meta (a deferral's reason and limit). */
  meta?: Record<string, JsonValue>;
}

/** The task failed for good after running (or while decoding its args): dead-lettered. */
export interface FailedOutcome extends OutcomeBase {
  /** Kind. */
  kind: "failed";
  /** The failure. */
  error: TaskError;
  /** Dead-letter reason. */
  reason: string;
  /** Whether the handler ran. */
  ran: boolean;
}

/** The delivery must never run (malformed, bad signature, unknown task, redelivered too often). */
export interface RejectedOutcome extends OutcomeBase {
  /** Kind. */
  kind: "rejected";
  /** Why, as stored on the status. */
  error: TaskError;
  /** Dead-letter reason. */
  reason: string;
}

/** The task's `expires` passed before it ran: `cancelled` and acked. */
export interface ExpiredOutcome extends OutcomeBase {
  /** Kind. */
  kind: "expired";
  /** The expiry, as stored on the status. */
  error: TaskError;
}

/** An `onConsume` middleware did not call `next`: `cancelled` and acked, never run. */
export interface CancelledOutcome extends OutcomeBase {
  /** Kind. */
  kind: "cancelled";
  /** Why. */
  reason: string;
}

/** A stale copy of a task that already finished (its status is terminal): acked, nothing written. */
export interface DuplicateOutcome extends OutcomeBase {
  /** Kind. */
  kind: "duplicate";
  /** The terminal state found. */
  state: TaskState;
}

/** Every way one delivery can end. */
export type TaskOutcome =
  | SucceededOutcome
  | RetriedOutcome
  | FailedOutcome
  | RejectedOutcome
  | ExpiredOutcome
  | CancelledOutcome
  | DuplicateOutcome;

/** The kinds of {@link TaskOutcome}. */
export type TaskOutcomeKind = TaskOutcome["kind"];
