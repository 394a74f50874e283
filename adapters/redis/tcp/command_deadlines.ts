import type { Clock, TimerHandle } from "../../../src/core/clock.ts";
import { RedisTimeoutError } from "../errors.ts";

interface Pending {
  at: number;
  name: string;
  reject: (error: unknown) => void;
  done: boolean;
}

const NOTHING = (): void => {};

/**
 * Marks a command answered and lets go of its reject function: through it the entry would keep
 * the settled promise, and so the reply (a claim's envelopes), alive until the queue drops it.
 */
function settled(entry: Pending): void {
  entry.done = true;
  entry.reject = NOTHING;
}

/**
 * The reply deadline of every command on one connection, kept by one timer. Commands share one
 * bound, so their deadlines come in send order: a FIFO whose head is the earliest. A timer and a
 * clear per command (and node-redis' `AbortSignal.timeout`, whose timer is never cleared and
 * builds a `DOMException` when it fires) cost more than the command on a busy worker.
 */
export class CommandDeadlines {
  readonly #url: string;
  readonly #ms: number;
  readonly #clock: Clock;
  #queue: Pending[] = [];
  #head = 0;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;

  /** Deadlines `ms` after each send, on `clock`; `url` names the server in errors. */
  constructor(url: string, ms: number, clock: Clock) {
    this.#url = url;
    this.#ms = ms;
    this.#clock = clock;
  }

  /** `reply`, or a {@link RedisTimeoutError} once the bound passed without one. */
  bound<T>(reply: Promise<T>, name: string): Promise<T> {
    this.#dropSettledHeads();
    return new Promise<T>((resolve, reject) => {
      const entry: Pending = { at: this.#clock.now() + this.#ms, name, reject, done: false };
      this.#queue.push(entry);
      if (this.#timer === undefined) this.#arm(entry.at);
      reply.then(
        (value) => {
          settled(entry);
          resolve(value);
        },
        (error) => {
          settled(entry);
          reject(error);
        },
      );
    });
  }

  /** Stops the timer; pending commands keep their own fate (the client is closing). */
  close(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #arm(at: number): void {
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.max(0, at - this.#clock.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    while (this.#head < this.#queue.length) {
      const entry = this.#queue[this.#head];
      if (!entry.done) {
        if (entry.at > now) break;
        entry.done = true;
        const name = entry.name.toUpperCase();
        entry.reject(new RedisTimeoutError(this.#url, this.#ms, `${name} got no reply`));
      }
      this.#head++;
    }
    this.#compact();
    if (this.#head < this.#queue.length) this.#arm(this.#queue[this.#head].at);
  }

  #dropSettledHeads(): void {
    while (this.#head < this.#queue.length && this.#queue[this.#head].done) this.#head++;
    this.#compact();
  }

  #compact(): void {
    if (this.#head === this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else if (this.#head > 1_024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
  }

  /** Commands waiting for a reply or for their deadline to be looked at (tests). */
  get size(): number {
    return this.#queue.length - this.#head;
  }

  /** When the timer fires next, epoch ms; Infinity when none is armed (tests). */
  get nextCheckAt(): number {
    return this.#timerAt;
  }
}
