import type { JsonValue } from "../core/envelope.ts";

/** Lifecycle state of a task. `retried` is not terminal: the next attempt writes `running`. */
export type TaskState = "queued" | "running" | "succeeded" | "failed" | "retried" | "cancelled";

/** The states after which a task never changes again. */
export const TERMINAL_STATES: ReadonlySet<TaskState> = new Set([
  "succeeded",
  "failed",
  "cancelled",
]);

/** True when `state` is final. */
export function isTerminal(state: TaskState): boolean {
  return TERMINAL_STATES.has(state);
}

/** A failure recorded on a task. */
export interface TaskError {
  /** Error class name or code, e.g. `"TaskTimeoutError"`. */
  type: string;
  /** The error message. */
  message: string;
  /** Stack trace, when known. */
  stack?: string;
  /** Whether the worker will try again. */
  retryable: boolean;
  /** Stable code of Stem errors, e.g. `"task-timeout"`. */
  code?: string;
}

/** Progress reported by `ctx.progress()`. */
export interface TaskProgress {
  /** 0–100. */
  percent: number;
  /** Free-form detail. */
  data?: JsonValue;
}

/** When things happened to a task, epoch ms. */
export interface TaskTimestamps {
  /** First write of the record. */
  createdAt: number;
  /** Last write of the record. */
  updatedAt: number;
  /** When the current (or last) attempt started. */
  startedAt?: number;
  /** When the task reached a terminal state. */
  finishedAt?: number;
}

/** The stored record of one task. */
export interface TaskStatus {
  /** Task id. */
  id: string;
  /** Task name. */
  name: string;
  /** Current state. */
  state: TaskState;
  /** Result value as stored (after the result encoder); null until succeeded. */
  result: JsonValue;
  /** Id of the encoder that produced `result`; JSON when absent. */
  encoder?: string;
  /** The failure, for failed, retried and cancelled tasks. */
  error: TaskError | null;
  /** 0-based attempt that wrote this record. */
  attempt: number;
  /** Envelope metadata plus worker-added keys (queue, worker, ...). */
  meta: Record<string, JsonValue>;
  /** Last progress report. */
  progress: TaskProgress | null;
  /** Timestamps. */
  timestamps: TaskTimestamps;
}

/** What a writer supplies; the backend fills the timestamps it owns. */
export type TaskStatusInput = Omit<TaskStatus, "timestamps"> & {
  /** Writer-known timestamps; `createdAt`/`updatedAt` are managed by the backend. */
  timestamps?: Partial<TaskTimestamps>;
};
