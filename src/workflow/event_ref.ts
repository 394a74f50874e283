import { InvalidEventPayloadError, WorkflowDefinitionError } from "./workflow_errors.ts";

/**
 * A typed event: a topic plus the payload type that `emit` and `step.awaitEvent` agree on, so a
 * wrong payload is a type error at the emitter and the waiter receives `T`, not `unknown`.
 */
export interface EventRef<T> {
  /** The topic runs wait on. */
  readonly topic: string;
  /** Checks (and may normalise) a payload; throws on a bad one. Absent: no runtime check. */
  readonly parse?: (payload: unknown) => T;
  /** The same event on the sub-topic `<topic>.<key>` (one order's, one user's own event). */
  key(key: string | number): EventRef<T>;
  /** Carries `T` for inference only; never set. */
  readonly __payload?: T;
}

/** Options of {@link defineEvent}. */
export interface DefineEventOptions<T> {
  /**
   * Runtime check of payloads (a zod schema's `parse`, a hand-written guard): run by `emit`
   * before anything is stored and by `awaitEvent` on what it receives (untyped emitters such as
   * `stem wf emit` included).
   */
  parse?: (payload: unknown) => T;
}

/**
 * Defines a typed event.
 *
 * @example
 * ```ts
 * import { defineEvent } from "./mod.ts";
 * const paid = defineEvent<{ orderId: string; cents: number }>("order.paid");
 * // await app.emit(paid.key("o-1"), { orderId: "o-1", cents: 1200 });
 * // const payment = await step.awaitEvent(paid.key(step.params.orderId));
 * console.log(paid.key("o-1").topic); // "order.paid.o-1"
 * ```
 */
export function defineEvent<T>(topic: string, options: DefineEventOptions<T> = {}): EventRef<T> {
  if (typeof topic !== "string" || topic === "") {
    throw new WorkflowDefinitionError("defineEvent needs a non-empty topic.");
  }
  return {
    topic,
    parse: options.parse,
    key: (key) => defineEvent<T>(`${topic}.${key}`, options),
  };
}

/** The topic of a topic string or an event ref. */
export function topicOf(event: string | EventRef<unknown>): string {
  return typeof event === "string" ? event : event.topic;
}

/** Runs the ref's `parse` (identity for a plain topic), as an `InvalidEventPayloadError`. */
export function parsePayload<T>(event: string | EventRef<T>, payload: unknown): T {
  if (typeof event === "string" || !event.parse) return payload as T;
  try {
    return event.parse(payload);
  } catch (cause) {
    throw new InvalidEventPayloadError(event.topic, cause);
  }
}
