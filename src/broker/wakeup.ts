import type { Clock, TimerHandle } from "../core/clock.ts";

/**
 * The wake-ups of one consume loop: capacity (a prefetch unit came back), work (a notification
 * says a message may be visible) and stop. Waits run on the injected clock.
 */
export class Wakeup {
  readonly #clock: Clock;
  #pending: { resolve: () => void; capacity: boolean } | null = null;
  #timer: TimerHandle | undefined;
  #controller: AbortController | null = null;
  #woken = false;
  #stopped = false;

  /** Waits on `clock`. */
  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** True when work was signalled since the last {@link Wakeup.reset} (or the loop stops). */
  get woken(): boolean {
    return this.#woken || this.#stopped;
  }

  /** Forgets earlier work wake-ups; call before a claim. */
  reset(): void {
    this.#woken = false;
    this.#controller = null;
  }

  /** Aborted at the next work wake-up or stop (already, if one came since the reset). */
  signal(): AbortSignal {
    this.#controller ??= new AbortController();
    if (this.woken) this.#controller.abort();
    return this.#controller.signal;
  }

  /**
   * Resolves at the next wake-up, after `ms` (Infinity: no timer), or at once when stopped.
   * With `capacity: false` only work and stop end it early (error back-off).
   */
  wait(ms: number, capacity = true): Promise<void> {
    if (this.#stopped) return Promise.resolve();
    this.#finish();
    return new Promise((resolve) => {
      this.#pending = { resolve, capacity };
      if (Number.isFinite(ms)) {
        this.#timer = this.#clock.setTimeout(() => this.#finish(), Math.max(0, ms));
      }
    });
  }

  /** A prefetch unit came back. */
  wakeCapacity(): void {
    if (this.#pending?.capacity) this.#finish();
  }

  /** A message may be visible. */
  wakeWork(): void {
    this.#woken = true;
    this.#controller?.abort();
    this.#finish();
  }

  /** Ends every wait for good. */
  stop(): void {
    this.#stopped = true;
    this.wakeWork();
  }

  /** Ends the pending wait and releases its timer. */
  close(): void {
    this.#finish();
  }

  #finish(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const pending = this.#pending;
    this.#pending = null;
    pending?.resolve();
  }
}
