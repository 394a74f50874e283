import type { TaskError } from "../backend/task_status.ts";
import { type Clock, systemClock } from "../core/clock.ts";
import type { JsonValue } from "../core/envelope.ts";
import { queueNameProblem } from "../core/queue_name.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import type { StemSignalSet } from "../signals/stem_signals.ts";
import type { EventBus } from "../workflow/event_bus.ts";
import { QUEUE_EVENTS_TOPIC, type QueueEvent, type QueueEventError } from "./queue_event.ts";

/** Largest result JSON a `completed` event carries, in characters. */
export const MAX_EVENT_RESULT_LENGTH = 1_024;

/** Options of {@link QueueEventsPublisher}. */
export interface QueueEventsPublisherOptions {
  /** The bus events go out on (the store set's `events`). */
  bus: EventBus;
  /** Time source of `at`. @default systemClock */
  clock?: Clock;
  /** Where failed publishes are reported (they never fail a task). @default silentLogger */
  logger?: Logger;
}

/**
 * Turns an app's signals (publish, start, progress, success, retry, failure, rejection,
 * cancellation) into {@link QueueEvent}s on the bus. Publishing is fire-and-forget: a bus that
 * is down costs a warning, never a task.
 */
export class QueueEventsPublisher {
  readonly #bus: EventBus;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #disconnect: (() => void)[] = [];

  /** A publisher; `connect(signals)` starts it. */
  constructor(options: QueueEventsPublisherOptions) {
    this.#bus = options.bus;
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
  }

  /** Publishes an event for each lifecycle signal of `signals` until `disconnect()`. */
  connect(signals: StemSignalSet): void {
    const on = this.#disconnect;
    on.push(signals.afterTaskPublish.connect(({ envelope: e }) => {
      const delayed = e.notBefore !== null && e.notBefore > this.#clock.now();
      this.#send({
        type: delayed ? "delayed" : "waiting",
        queue: e.queue,
        taskId: e.id,
        name: e.name,
        attempt: e.attempt,
        ...(delayed ? { delayUntil: e.notBefore! } : {}),
      });
    }));
    on.push(signals.taskStarted.connect((t) => this.#send({ ...ref(t), type: "active" })));
    on.push(signals.taskProgress.connect((t) =>
      this.#send({
        ...ref(t),
        type: "progress",
        progress: t.percent,
        ...(t.data === undefined ? {} : { data: t.data }),
      })
    ));
    on.push(
      signals.taskSucceeded.connect((t) =>
        this.#send({ ...ref(t), type: "completed", ...resultSummary(t.result) })
      ),
    );
    on.push(
      signals.taskRetry.connect((t) =>
        this.#send({
          ...ref(t),
          type: "retried",
          error: summary(t.error),
          delayUntil: t.nextRetryAt,
        })
      ),
    );
    on.push(signals.taskFailed.connect((t) => {
      this.#send({ ...ref(t), type: "failed", error: summary(t.error) });
      if (t.deadLetterReason !== undefined) {
        this.#send({
          ...ref(t),
          type: "dead-lettered",
          error: summary(t.error),
          reason: t.deadLetterReason,
        });
      }
    }));
    on.push(signals.taskRejected.connect((t) =>
      this.#send({
        ...ref(t),
        type: "dead-lettered",
        reason: t.reason,
        error: { type: "rejected", message: t.message },
      })
    ));
    on.push(
      signals.taskCancelled.connect((t) =>
        this.#send({ ...ref(t), type: "cancelled", reason: t.reason })
      ),
    );
  }

  /** Publishes a custom event on `queue` (`custom`, with `name` and `payload`); awaits the bus. */
  async emit(queue: string, name: string, payload: JsonValue = null): Promise<void> {
    const problem = queueNameProblem(queue);
    if (problem !== undefined) throw new TypeError(`emitQueueEvent(): queue ${problem}.`);
    if (typeof name !== "string" || name.trim() === "") {
      throw new TypeError("emitQueueEvent(): the event name must be a non-empty string.");
    }
    const event: QueueEvent = { type: "custom", queue, name: name.trim(), at: this.#clock.now() };
    event.data = payload;
    await this.#bus.publish(QUEUE_EVENTS_TOPIC, event);
  }

  /** Stops publishing. */
  disconnect(): void {
    for (const off of this.#disconnect.splice(0)) off();
  }

  #send(event: Omit<QueueEvent, "at">): void {
    const full = { ...event, at: this.#clock.now() } as QueueEvent;
    this.#bus.publish(QUEUE_EVENTS_TOPIC, full).catch((error) =>
      this.#logger.warn("Could not publish a queue event", {
        type: event.type,
        taskId: event.taskId,
        error,
      })
    );
  }
}

function ref(t: { id: string; name: string; attempt: number; queue: string; workerId?: string }) {
  const out: Pick<QueueEvent, "taskId" | "name" | "attempt" | "queue" | "workerId"> = {
    taskId: t.id,
    name: t.name,
    attempt: t.attempt,
    queue: t.queue,
  };
  if (t.workerId !== undefined) out.workerId = t.workerId;
  return out;
}

function summary(error: TaskError): QueueEventError {
  const out: QueueEventError = { type: error.type, message: error.message.slice(0, 500) };
  if (error.code !== undefined) out.code = error.code;
  return out;
}

function resultSummary(result: unknown): Pick<QueueEvent, "result" | "resultTruncated"> {
  if (result === undefined) return {};
  let json: string | undefined;
  try {
    json = JSON.stringify(result);
  } catch {
    json = undefined;
  }
  if (json === undefined || json.length > MAX_EVENT_RESULT_LENGTH) return { resultTruncated: true };
  return { result: JSON.parse(json) as JsonValue };
}
