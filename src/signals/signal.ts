/** Options for {@link Signal.connect}. */
export interface ConnectOptions<T> {
  /** Only call the listener for payloads that pass. */
  filter?: (payload: T) => boolean;
  /** Remove the listener after its first call. @default false */
  once?: boolean;
  /** Higher runs earlier. @default 0 */
  priority?: number;
}

interface Listener<T> {
  fn: (payload: T) => unknown;
  filter?: (payload: T) => boolean;
  once: boolean;
  priority: number;
}

/** Receives errors thrown (or rejected) by listeners. */
export type SignalErrorHandler = (error: unknown, signalName: string) => void;

/**
 * A named event with listeners. A listener that throws or rejects never breaks the emitter: the
 * error goes to the error handler (by default it is dropped; pass one to log it). Listeners are called in priority
 * order and not awaited, so a slow listener cannot stall a worker.
 *
 * @example
 * ```ts
 * import { Signal } from "./signal.ts";
 * const signal = new Signal<{ id: string }>("taskSucceeded");
 * const off = signal.connect(({ id }) => console.log(id));
 * signal.emit({ id: "1" });
 * off();
 * ```
 */
export class Signal<T> {
  /** The signal's name. */
  readonly name: string;
  #listeners: Listener<T>[] = [];
  #onError: SignalErrorHandler;

  /** Creates a signal. */
  constructor(name: string, onError?: SignalErrorHandler) {
    this.name = name;
    // Silent by default like every Stem diagnostic; `onError` (or a Logger) makes it visible.
    this.#onError = onError ?? (() => {});
  }

  /** True when at least one listener is connected (emitters skip building payloads otherwise). */
  get active(): boolean {
    return this.#listeners.length > 0;
  }

  /** Adds a listener; returns a function that removes it. */
  connect(fn: (payload: T) => unknown, options: ConnectOptions<T> = {}): () => void {
    const listener: Listener<T> = {
      fn,
      filter: options.filter,
      once: options.once ?? false,
      priority: options.priority ?? 0,
    };
    this.#listeners = [...this.#listeners, listener].sort((a, b) => b.priority - a.priority);
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Resolves with the next payload that passes `filter`. */
  next(filter?: (payload: T) => boolean): Promise<T> {
    return new Promise((resolve) => this.connect(resolve, { once: true, filter }));
  }

  /** Calls every listener with `payload`. */
  emit(payload: T): void {
    const listeners = this.#listeners;
    for (const listener of listeners) {
      try {
        if (listener.filter && !listener.filter(payload)) continue;
        if (listener.once) this.#listeners = this.#listeners.filter((l) => l !== listener);
        const result = listener.fn(payload);
        if (result instanceof Promise) result.catch((error) => this.#report(error));
      } catch (error) {
        this.#report(error);
      }
    }
  }

  /** Replaces the error handler. */
  onError(handler: SignalErrorHandler): void {
    this.#onError = handler;
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners = [];
  }

  #report(error: unknown): void {
    try {
      this.#onError(error, this.name);
    } catch {
      // An error handler that throws must not break the emitter either.
    }
  }
}
