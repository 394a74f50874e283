/** Resolves on the next macrotask, after pending promise continuations ran. */
export function nextMacrotask(): Promise<void> {
  return new Promise((resolve) => onNextMacrotask(resolve));
}

const onNextMacrotask: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === "function"
    ? (fn) => (globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(fn)
    : (fn) => setTimeout(fn, 0);

/**
 * Collects the calls made while the current macrotask runs (e.g. every task that finished in
 * the same socket read) and sends them as one script call: one round trip and one EVALSHA for
 * many operations. Over HTTP that is also one billed command instead of many.
 */
export class Batcher<I, O> {
  readonly #run: (items: I[]) => Promise<O[]>;
  readonly #max: number;
  #items: I[] = [];
  #waiters: { resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  #scheduled = false;

  /** Batches calls to `run`, at most `max` items per call. */
  constructor(run: (items: I[]) => Promise<O[]>, max = 100) {
    this.#run = run;
    this.#max = max;
  }

  /** Queues one item; resolves with its result once its batch ran. */
  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#items.push(item);
      this.#waiters.push({ resolve, reject });
      if (this.#items.length >= this.#max) this.#flush();
      else if (!this.#scheduled) {
        this.#scheduled = true;
        onNextMacrotask(() => {
          this.#scheduled = false;
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    if (this.#items.length === 0) return;
    const items = this.#items;
    const waiters = this.#waiters;
    this.#items = [];
    this.#waiters = [];
    this.#run(items).then(
      (outs) => waiters.forEach((w, i) => w.resolve(outs[i])),
      (error) => waiters.forEach((w) => w.reject(error)),
    );
  }
}
