import type { Clock, TimerHandle } from "./clock.ts";

const NOTHING = (): void => {};

interface Pending {
  at: number;
  name: string;
  reject: (error: unknown) => void;
  done: boolean;
}

/**
 * Deadlines of many calls that share one bound, kept by one timer: the calls' deadlines come in
 * call order, so they form a FIFO whose head is the earliest, and finished calls are dropped from
 * the head (no timer, set insert or delete per call). The timer is cleared once no call is left,
 * so nothing keeps the process alive. Used by the producer's `operationTimeout` and the Redis TCP
 * transport's command bound, where a timer per call cost more than the call.
 */
export class DeadlineQueue {
  readonly #clock: Clock;
  readonly #ms: number;
  readonly #expired: (name: string) => Error;
  #queue: Pending[] = [];
  #head = 0;
  #live = 0;
  #timer: TimerHandle | undefined;
  #timerAt = Infinity;

  /** Calls get `ms` of `clock` time; `expired(name)` is the error a late call rejects with. */
  constructor(clock: Clock, ms: number, expired: (name: string) => Error) {
    this.#clock = clock;
    this.#ms = ms;
    this.#expired = expired;
  }

  /** Settles like `work`, or rejects with `expired(name)` once the bound passed first. */
  bound<T>(work: Promise<T>, name: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const call: Pending = { at: this.#clock.now() + this.#ms, name, reject, done: false };
      this.#queue.push(call);
      this.#live++;
      if (this.#timer === undefined) this.#arm(call.at);
      work.then(
        (value) => {
          this.#done(call);
          resolve(value);
        },
        (error) => {
          this.#done(call);
          reject(error);
        },
      );
    });
  }

  /** Stops the timer; calls in flight keep their own fate (their client is closing). */
  close(): void {
    this.#disarm();
  }

  /** Calls waiting for a result (tests). */
  get size(): number {
    return this.#live;
  }

  /** When the timer fires next, epoch ms; Infinity when none is armed (tests). */
  get nextCheckAt(): number {
    return this.#timerAt;
  }

  #done(call: Pending): void {
    if (call.done) return;
    call.done = true;
    // Through its reject function the entry would keep the settled promise, and its value, alive.
    call.reject = NOTHING;
    if (--this.#live === 0) {
      this.#queue = [];
      this.#head = 0;
      this.#disarm();
      return;
    }
    const queue = this.#queue;
    while (this.#head < queue.length && queue[this.#head].done) this.#head++;
    if (this.#head > 1_024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #arm(at: number): void {
    this.#timerAt = at;
    this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, at - this.#clock.now()));
  }

  #disarm(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerAt = Infinity;
  }

  #expire(): void {
    this.#timer = undefined;
    this.#timerAt = Infinity;
    const now = this.#clock.now();
    const queue = this.#queue;
    const late: Pending[] = [];
    while (this.#head < queue.length) {
      const call = queue[this.#head];
      if (!call.done) {
        if (call.at > now) break;
        late.push(call);
      }
      this.#head++;
    }
    if (this.#head < queue.length) this.#arm(queue[this.#head].at);
    for (const call of late) {
      const reject = call.reject;
      this.#done(call);
      reject(this.#expired(call.name));
    }
  }
}
