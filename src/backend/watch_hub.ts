import { type Logger, silentLogger } from "../observability/logger.ts";
import type { Unwatch } from "./status_store.ts";
import type { TaskStatus } from "./task_status.ts";

/**
 * The in-process registry of status watchers, for status stores without native push (memory,
 * and any adapter whose `watch` only sees its own writes). The store calls
 * {@link WatchHub.notify} after every write; a listener that throws is logged and never fails
 * the write (a worker must still be able to ack).
 *
 * @example
 * ```ts
 * import { WatchHub } from "./watch_hub.ts";
 * const hub = new WatchHub();
 * const unwatch = hub.watch("task-1", (status) => console.log(status.state));
 * await unwatch();
 * ```
 */
export class WatchHub {
  readonly #listeners = new Map<string, Set<(status: TaskStatus) => void>>();
  readonly #logger: Logger;

  /** Creates an empty hub; listener failures go to `logger`. */
  constructor(options: { logger?: Logger } = {}) {
    this.#logger = options.logger ?? silentLogger;
  }

  /** Adds a listener for `id`; the returned function removes it. */
  watch(id: string, listener: (status: TaskStatus) => void): Unwatch {
    let set = this.#listeners.get(id);
    if (!set) this.#listeners.set(id, set = new Set());
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.#listeners.get(id) === set) this.#listeners.delete(id);
      return Promise.resolve();
    };
  }

  /** True when someone watches `id` (lets a store skip work for unwatched writes). */
  has(id: string): boolean {
    return this.#listeners.has(id);
  }

  /** Calls every listener of `status.id` with `status`. */
  notify(status: TaskStatus): void {
    const set = this.#listeners.get(status.id);
    if (!set) return;
    for (const listener of [...set]) callWatcher(listener, status, this.#logger);
  }

  /** Removes every listener. */
  clear(): void {
    this.#listeners.clear();
  }
}

/**
 * Calls one status watcher; a watcher that throws is logged, never rethrown, so it cannot fail
 * the write that notified it or starve the watchers after it.
 */
export function callWatcher(
  listener: (status: TaskStatus) => void,
  status: TaskStatus,
  logger: Logger = silentLogger,
): void {
  try {
    listener(status);
  } catch (error) {
    logger.warn("A status watcher threw; the write still succeeded", { taskId: status.id, error });
  }
}
