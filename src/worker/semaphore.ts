/** Counts free slots; `acquire` waits when none is free. The size can change while in use. */
export class Semaphore {
  #size: number;
  #free: number;
  /** Slots to swallow as they are released, after a shrink below the slots in use. */
  #debt = 0;
  readonly #waiters: Array<() => void> = [];

  /** Creates a semaphore with `size` slots. */
  constructor(size: number) {
    this.#size = checkSize(size);
    this.#free = size;
  }

  /** Slots in total. */
  get size(): number {
    return this.#size;
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

  /** Returns a slot (handing it straight to a waiter if any, or retiring it after a shrink). */
  release(): void {
    if (this.#debt > 0) {
      this.#debt--;
      return;
    }
    this.#grant();
  }

  /**
   * Changes the number of slots. Growing hands new slots to waiters at once; shrinking takes free
   * slots first and retires busy ones as they are released (running work is never interrupted).
   */
  resize(size: number): void {
    checkSize(size);
    let delta = size - this.#size;
    this.#size = size;
    for (; delta > 0 && this.#debt > 0; delta--) this.#debt--;
    for (; delta > 0; delta--) this.#grant();
    for (; delta < 0; delta++) {
      if (this.#free > 0) this.#free--;
      else this.#debt++;
    }
  }

  #grant(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#free++;
  }
}

function checkSize(size: number): number {
  if (!Number.isInteger(size) || size < 1) {
    throw new RangeError(`Invalid concurrency ${size}: use an integer of 1 or more.`);
  }
  return size;
}
