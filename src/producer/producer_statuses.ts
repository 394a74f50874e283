import type { TaskStatusInput } from "../backend/task_status.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";

/** The `queued` status a producer records for an envelope it publishes. */
export function queuedStatus(envelope: Envelope): TaskStatusInput {
  return {
    id: envelope.id,
    name: envelope.name,
    state: "queued",
    result: null,
    error: null,
    attempt: envelope.attempt,
    meta: { ...envelope.meta, queue: envelope.queue },
    progress: null,
  };
}

/** The terminal `failed` status recorded when publishing an envelope failed for good. */
export function publishFailedStatus(envelope: Envelope, error: unknown): TaskStatusInput {
  const e = error as Error | undefined;
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return {
    id: envelope.id,
    name: envelope.name,
    state: "failed",
    result: null,
    error: {
      type: e?.name ?? "Error",
      message: `Publish failed: ${e?.message}`,
      retryable: false,
      ...(typeof code === "string" ? { code } : {}),
    },
    attempt: envelope.attempt,
    meta: { ...envelope.meta, queue: envelope.queue } as Record<string, JsonValue>,
    progress: null,
  };
}
