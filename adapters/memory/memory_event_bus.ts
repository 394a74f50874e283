import type {
  BusMessage,
  EventBus,
  EventBusCapabilities,
  Unsubscribe,
} from "../../src/workflow/event_bus.ts";
import { jsonCopy } from "./json_copy.ts";

/** An in-process `EventBus`: subscribers are called on a microtask after `publish`. */
export class InMemoryEventBus implements EventBus {
  /** In-process only, pushed. */
  readonly capabilities: EventBusCapabilities = { crossProcess: false, push: true };
  readonly #handlers = new Map<string, Set<(message: BusMessage) => void>>();
  #closed = false;

  /** Delivers a JSON copy of `payload` to the current subscribers of `topic`. */
  publish(topic: string, payload: unknown): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const handlers = [...(this.#handlers.get(topic) ?? [])];
    const message: BusMessage = { topic, payload: jsonCopy(payload ?? null) };
    queueMicrotask(() => {
      for (const handler of handlers) {
        try {
          handler(jsonCopy(message));
        } catch {
          // A failing subscriber must not keep the others from their message.
        }
      }
    });
    return Promise.resolve();
  }

  /** Adds `handler` for `topic`. */
  subscribe(topic: string, handler: (message: BusMessage) => void): Promise<Unsubscribe> {
    let set = this.#handlers.get(topic);
    if (!set) this.#handlers.set(topic, set = new Set());
    const wrapped = (m: BusMessage) => handler(m);
    set.add(wrapped);
    return Promise.resolve(() => {
      set.delete(wrapped);
      if (set.size === 0 && this.#handlers.get(topic) === set) this.#handlers.delete(topic);
      return Promise.resolve();
    });
  }

  /** Drops every subscriber. */
  close(): Promise<void> {
    this.#closed = true;
    this.#handlers.clear();
    return Promise.resolve();
  }
}
