import type { TaskStatus } from "../backend/task_status.ts";
import type { JsonValue } from "../core/envelope.ts";
import type { Stem } from "../producer/stem.ts";

/** A task's status as the HTTP API returns it: the result decoded, no stack traces. */
export interface TaskView {
  /** Task id. */
  id: string;
  /** Task name. */
  name: string;
  /** Current state. */
  state: TaskStatus["state"];
  /** 0-based attempt. */
  attempt: number;
  /** Decoded result once succeeded, else null. */
  result: unknown;
  /** The failure, if any (type, message, code, retryable). */
  error: { type: string; message: string; code?: string; retryable: boolean } | null;
  /** Last progress report. */
  progress: TaskStatus["progress"];
  /** Status metadata. */
  meta: Record<string, JsonValue>;
  /** Timestamps (epoch ms). */
  timestamps: TaskStatus["timestamps"];
}

/** Builds the API view of a status, decoding the result with its recorded encoder. */
export async function taskView(stem: Stem, status: TaskStatus): Promise<TaskView> {
  const result = status.state === "succeeded" && status.result !== null
    ? await stem.decodeResult(status)
    : null;
  const error = status.error
    ? {
      type: status.error.type,
      message: status.error.message,
      retryable: status.error.retryable,
      ...(status.error.code ? { code: status.error.code } : {}),
    }
    : null;
  return {
    id: status.id,
    name: status.name,
    state: status.state,
    attempt: status.attempt,
    result,
    error,
    progress: status.progress,
    meta: status.meta,
    timestamps: status.timestamps,
  };
}
