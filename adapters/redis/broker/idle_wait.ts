import type { Clock } from "../../../src/core/clock.ts";
import type { RedisTransport, StreamWaiter } from "../transport.ts";

/**
 * How an idle Redis consumer waits for work: a blocking XREAD on its own connection (TCP), or a
 * sleep with back-off (HTTP, which has no blocking commands). The shared consume loop plugs it in
 * as its idle wait; an aborted signal ends the wait early.
 */
export class IdleWait {
  readonly #transport: RedisTransport;
  readonly #maxPollMs: number;
  readonly #clock: Clock;
  #waiter: StreamWaiter | null | undefined;
  #pollMs = 0;
  #closed = false;
  #wakeSleep: (() => void) | undefined;

  /** Waits through `transport`; HTTP polling backs off up to `maxPollMs` of `clock` time. */
  constructor(transport: RedisTransport, maxPollMs: number, clock: Clock) {
    this.#transport = transport;
    this.#maxPollMs = maxPollMs;
    this.#clock = clock;
  }

  /** Waits for new entries on `keys` after `ids`, at most `ms`, until `signal` aborts. */
  async wait(keys: string[], ids: string[], ms: number, signal: AbortSignal): Promise<void> {
    if (this.#closed || signal.aborted) return;
    if (this.#waiter === undefined) this.#waiter = await this.#transport.openWaiter();
    const waiter = this.#waiter;
    if (waiter && keys.length > 0) {
      if (this.#closed || signal.aborted) return;
      const onAbort = () => void waiter.interrupt().catch(() => {});
      signal.addEventListener("abort", onAbort, { once: true });
      try {
        return await waiter.wait(keys, ids, ms);
      } finally {
        signal.removeEventListener("abort", onAbort);
      }
    }
    // Quick steps first (a burst's tail), then long ones: an idle minute costs a few claims.
    this.#pollMs = Math.min(
      this.#maxPollMs,
      Math.max(25, this.#pollMs * (this.#pollMs < 1_000 ? 2 : 4)),
    );
    await this.#sleep(Math.min(ms, this.#pollMs), signal);
  }

  /** Ends a poll sleep now and forgets the back-off (a producer said work is there). */
  wake(): void {
    this.#pollMs = 0;
    this.#wakeSleep?.();
  }

  /** Forgets the polling back-off after work was found. */
  reset(): void {
    this.#pollMs = 0;
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#clock.clearTimeout(timer);
        signal.removeEventListener("abort", done);
        if (this.#wakeSleep === done) this.#wakeSleep = undefined;
        resolve();
      };
      this.#wakeSleep = done;
      const timer = this.#clock.setTimeout(done, ms);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Ends waiting for good and releases the blocking connection. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#waiter?.interrupt().catch(() => {});
    await this.#waiter?.close();
  }
}
