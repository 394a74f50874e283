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
 * many operations. Over HTTP that is also one billed command instead of many. A batch also goes
 * out as soon as it holds `max` items, so Redis starts on the first batch while the rest of the
 * macrotask is still running (16 measured ~15% faster than 100 for a worker at concurrency 50).
 */
export class Batcher<I, O> {
  readonly #run: (items: I[]) => Promise<O[]>;
  readonly #max: number;
  #items: I[] = [];
  #waiters: { resolve: (o: O) => void; reject: (e: unknown) => void }[] = [];
  #scheduled = false;

  /** Batches calls to `run`, at most `max` items per call. @default max 16 */
  constructor(run: (items: I[]) => Promise<O[]>, max = 16) {
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

/**
 * Batch size for a transport: small over TCP (Redis starts on a batch while the client is still
 * producing the next), large over HTTP (every request is one billed command and one HTTP round
 * trip).
 */
export function batchSizeFor(kind: "tcp" | "http"): number {
  return kind === "http" ? 100 : 16;
}
