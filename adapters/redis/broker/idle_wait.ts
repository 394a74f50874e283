import type { RedisTransport, StreamWaiter } from "../transport.ts";

/**
 * How an idle consumer waits for work: a blocking XREAD on its own connection (TCP), or a
 * sleep with back-off (HTTP, which has no blocking commands). Interruptible either way.
 */
export class IdleWait {
  readonly #transport: RedisTransport;
  readonly #maxPollMs: number;
  #waiter: StreamWaiter | null | undefined;
  #pollMs = 0;
  #interrupted = false;
  #wakeSleep: (() => void) | null = null;

  /** Waits through `transport`; HTTP polling backs off up to `maxPollMs`. */
  constructor(transport: RedisTransport, maxPollMs: number) {
    this.#transport = transport;
    this.#maxPollMs = maxPollMs;
  }

  /** True when waits block on the server rather than poll. */
  get blocking(): boolean {
    return this.#transport.kind === "tcp" && this.#waiter !== null;
  }

  /** Waits for new entries on `keys` after `ids`, at most `ms`. */
  async wait(keys: string[], ids: string[], ms: number): Promise<void> {
    if (this.#interrupted) return;
    if (this.#waiter === undefined) this.#waiter = await this.#transport.openWaiter();
    if (this.#waiter && !this.#interrupted) return await this.#waiter.wait(keys, ids, ms);
    this.#pollMs = Math.min(this.#maxPollMs, Math.max(25, this.#pollMs * 2));
    await this.sleep(Math.min(ms, this.#pollMs));
  }

  /** Forgets the polling back-off after work was found. */
  reset(): void {
    this.#pollMs = 0;
  }

  /** Sleeps `ms` unless interrupted. */
  sleep(ms: number): Promise<void> {
    if (this.#interrupted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeSleep = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeSleep = done;
    });
  }

  /** Ends the current and every later wait (the consumer is stopping). */
  interrupt(): void {
    this.#interrupted = true;
    this.#wakeSleep?.();
    this.#waiter?.interrupt();
  }

  /** Releases the blocking connection. */
  async close(): Promise<void> {
    this.interrupt();
    await this.#waiter?.close();
  }
}
