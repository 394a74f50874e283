import type { EventBus, Unsubscribe } from "../workflow/event_bus.ts";
import {
  isQueueEvent,
  QUEUE_EVENTS_TOPIC,
  type QueueEvent,
  type QueueEventType,
} from "./queue_event.ts";

/** Options of {@link QueueEvents}. */
export interface QueueEventsOptions {
  /** Only this queue's events. @default every queue */
  queue?: string;
  /** Events the iterator buffers before dropping the oldest (slow consumers). @default 10_000 */
  bufferSize?: number;
}

/**
 * A live stream of task lifecycle events from every process publishing on the same store set's
 * `EventBus` (workers and producers with `publishQueueEvents`), like BullMQ's QueueEvents. Read
 * it with `for await`, or register handlers with `on(type, fn)`; `close()` ends both. Best
 * effort, as the bus is: a listener sees what is published while it is subscribed.
 *
 * @example
 * ```ts ignore
 * const events = await app.queueEvents("emails");
 * events.on("failed", (e) => console.log(e.taskId, e.error?.message));
 * for await (const e of events) if (e.type === "completed") break;
 * await events.close();
 * ```
 */
export class QueueEvents implements AsyncIterable<QueueEvent> {
  /** The queue listened to, or undefined for every queue. */
  readonly queue: string | undefined;
  readonly #bus: EventBus;
  readonly #bufferSize: number;
  readonly #handlers = new Map<QueueEventType | "*", Set<(event: QueueEvent) => void>>();
  readonly #buffer: QueueEvent[] = [];
  #wake: (() => void) | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #closed = false;
  #started: Promise<void> | undefined;

  /** A listener on `bus`; call `start()` (or use `app.queueEvents()`, which does). */
  constructor(bus: EventBus, options: QueueEventsOptions = {}) {
    this.#bus = bus;
    this.queue = options.queue;
    this.#bufferSize = options.bufferSize ?? 10_000;
  }

  /** Subscribes; resolves once events published from now on will arrive. Safe to call twice. */
  start(): Promise<void> {
    if (this.#closed) return Promise.reject(new TypeError("This QueueEvents was closed."));
    return this.#started ??= this.#bus.subscribe(QUEUE_EVENTS_TOPIC, ({ payload }) => {
      if (!isQueueEvent(payload)) return;
      if (this.queue !== undefined && payload.queue !== this.queue) return;
      this.#deliver(payload);
    }).then((unsubscribe) => {
      if (this.#closed) return void unsubscribe();
      this.#unsubscribe = unsubscribe;
    });
  }

  /** Calls `fn` for each event of `type` (`"*"`: every event); returns a function that stops it. */
  on(type: QueueEventType | "*", fn: (event: QueueEvent) => void): () => void {
    let set = this.#handlers.get(type);
    if (!set) this.#handlers.set(type, set = new Set());
    set.add(fn);
    return () => void set.delete(fn);
  }

  /**
   * Calls `fn` with the payload of each custom event named `name` (`app.emitQueueEvent(queue,
   * name, payload)`), typed by the caller; returns a function that stops it.
   */
  onCustom<T = unknown>(name: string, fn: (payload: T, event: QueueEvent) => void): () => void {
    const wanted = name.trim();
    return this.on("custom", (event) => {
      if (event.name === wanted) fn(event.data as T, event);
    });
  }

  /** Resolves with the next event that matches `predicate`, or null when closed first. */
  async next(predicate: (event: QueueEvent) => boolean = () => true): Promise<QueueEvent | null> {
    for await (const event of this) if (predicate(event)) return event;
    return null;
  }

  /** Yields events as they arrive until `close()`. */
  async *[Symbol.asyncIterator](): AsyncIterator<QueueEvent> {
    while (!this.#closed) {
      const event = this.#buffer.shift();
      if (event) {
        yield event;
        continue;
      }
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  /** Unsubscribes and ends every iterator. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#wake?.();
    await this.#started?.catch(() => {});
    await this.#unsubscribe?.();
  }

  #deliver(event: QueueEvent): void {
    for (const key of [event.type, "*"] as const) {
      for (const fn of this.#handlers.get(key) ?? []) fn(event);
    }
    this.#buffer.push(event);
    if (this.#buffer.length > this.#bufferSize) this.#buffer.shift();
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}
