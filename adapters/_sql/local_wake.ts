import type { JobWakeSource } from "./executor.ts";

/**
 * Wake-ups within one process: a publish here wakes this process's consumers at once; other
 * processes' messages are found by the consumers' idle poll (so `blocking` is false).
 */
export class LocalJobWake implements JobWakeSource {
  /** Other processes are seen by polling. */
  readonly blocking = false;
  readonly #listeners = new Map<() => void, Set<string>>();

  /** Registers for wake-ups of these queues. */
  subscribe(queues: Set<string>, wake: () => void): () => void {
    this.#listeners.set(wake, queues);
    return () => this.#listeners.delete(wake);
  }

  /** Nothing to set up. */
  ready(): Promise<void> {
    return Promise.resolve();
  }

  /** Wakes the consumers of `queues`. */
  published(queues: Iterable<string>): void {
    const list = [...queues];
    for (const [wake, wanted] of this.#listeners) {
      if (list.some((q) => wanted.has(q))) wake();
    }
  }

  /** Wakes everyone (so closing consumers notice) and forgets them. */
  close(): Promise<void> {
    for (const wake of [...this.#listeners.keys()]) wake();
    this.#listeners.clear();
    return Promise.resolve();
  }
}
