import type { JsonValue } from "../core/envelope.ts";

/** The bus topic every queue event travels on (listeners filter by queue). */
export const QUEUE_EVENTS_TOPIC = "stem.queue-events";

/** Lifecycle steps a {@link QueueEvent} reports, plus `custom` for `emitQueueEvent`. */
export type QueueEventType =
  | "waiting"
  | "delayed"
  | "active"
  | "progress"
  | "completed"
  | "failed"
  | "retried"
  | "dead-lettered"
  | "cancelled"
  | "custom";

/** Every type, for validation and docs. */
export const QUEUE_EVENT_TYPES: readonly QueueEventType[] = [
  "waiting",
  "delayed",
  "active",
  "progress",
  "completed",
  "failed",
  "retried",
  "dead-lettered",
  "cancelled",
  "custom",
];

/** A short, JSON-safe description of an error. */
export interface QueueEventError {
  /** Error class name or code. */
  type: string;
  /** The message. */
  message: string;
  /** Stable Stem code, when known. */
  code?: string;
}

/** One step of a task's life (or a custom event), as every listener of its queue sees it. */
export interface QueueEvent {
  /** What happened. */
  type: QueueEventType;
  /** The queue. */
  queue: string;
  /** When it was published, epoch ms (the publisher's clock). */
  at: number;
  /** The task id (absent on custom events). */
  taskId?: string;
  /** The task name (the event name on custom events). */
  name: string;
  /** 0-based attempt. */
  attempt?: number;
  /** The worker that reported it (absent on producer events). */
  workerId?: string;
  /** `completed`: the result, when its JSON is at most 1 KiB; else `resultTruncated` is set. */
  result?: JsonValue;
  /** `completed`: the result was too large (or not JSON) to carry. */
  resultTruncated?: boolean;
  /** `failed`, `retried`, `dead-lettered`: what went wrong. */
  error?: QueueEventError;
  /** `dead-lettered`, `cancelled`: why. */
  reason?: string;
  /** `delayed`: when it becomes visible; `retried`: when the next attempt does, epoch ms. */
  delayUntil?: number;
  /** `progress`: percent 0–100. */
  progress?: number;
  /** `progress`: the data reported with it; `custom`: the payload. */
  data?: JsonValue;
}

/** True when `value` looks like a {@link QueueEvent} (what listeners accept off the bus). */
export function isQueueEvent(value: unknown): value is QueueEvent {
  const v = value as Partial<QueueEvent> | null;
  return typeof v === "object" && v !== null && typeof v.queue === "string" &&
    typeof v.name === "string" && typeof v.at === "number" &&
    QUEUE_EVENT_TYPES.includes(v.type as QueueEventType);
}
