/** Counts free slots; `acquire` waits when none is free. */
export class Semaphore {
  #free: number;
  readonly #waiters: Array<() => void> = [];

  /** Creates a semaphore with `size` slots. */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`Invalid concurrency ${size}: use an integer of 1 or more.`);
    }
    this.#free = size;
  }

  /** Takes a slot now if one is free (no promise on the fast path). */
  tryAcquire(): boolean {
    if (this.#free === 0) return false;
    this.#free--;
    return true;
  }

  /** Takes a slot, waiting for one if needed; resolves false (holding nothing) if `signal` aborts. */
  acquire(signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    if (this.tryAcquire()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const waiter = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve(true);
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve(false);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  /** Returns a slot (handing it straight to a waiter if any). */
  release(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}
