const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;

/** Runs `fn` after the current macrotask (setImmediate where the runtime has it). */
function nextTick(fn: () => void): void {
  if (immediate) immediate(fn);
  else setTimeout(fn, 0);
}

/** Runs one batch of items; resolves with one result per item, in order. */
export type BatchRunner<T, R> = (items: T[]) => Promise<R[]>;

interface Pending<T, R> {
  item: T;
  resolve: (value: R) => void;
  reject: (error: unknown) => void;
}

/**
 * Coalesces concurrent calls into batches without adding delay: the first call flushes at once
 * (after the current microtasks, or with `nextTick` after the current macrotask, for synchronous
 * runners); calls made while `maxConcurrent` flushes are running go out together in the next one.
 */
export class Coalescer<T, R> {
  readonly #run: BatchRunner<T, R>;
  readonly #maxBatch: number;
  readonly #maxConcurrent: number;
  readonly #defer: (fn: () => void) => void;
  #queue: Pending<T, R>[] = [];
  #running = 0;
  #scheduled = false;

  /** Creates a coalescer around `run`. */
  constructor(
    run: BatchRunner<T, R>,
    options: { maxBatch?: number; maxConcurrent?: number; nextTick?: boolean } = {},
  ) {
    this.#run = run;
    this.#defer = options.nextTick ? nextTick : queueMicrotask;
    this.#maxBatch = options.maxBatch ?? 1000;
    this.#maxConcurrent = options.maxConcurrent ?? 1;
  }

  /** Adds an item; resolves when its batch ran. */
  push(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#scheduled || this.#running >= this.#maxConcurrent) return;
    this.#scheduled = true;
    this.#defer(() => {
      this.#scheduled = false;
      this.#flush();
    });
  }

  #flush(): void {
    while (this.#queue.length > 0 && this.#running < this.#maxConcurrent) {
      const batch = this.#queue.splice(0, this.#maxBatch);
      this.#running++;
      this.#run(batch.map((p) => p.item)).then(
        (results) => batch.forEach((p, i) => p.resolve(results[i])),
        (error) => batch.forEach((p) => p.reject(error)),
      ).finally(() => {
        this.#running--;
        if (this.#queue.length > 0) this.#schedule();
      });
    }
  }
}
