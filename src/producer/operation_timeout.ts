import type { Clock, TimerHandle } from "../core/clock.ts";
import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";

/** A broker or backend call did not complete within the producer's `operationTimeout`. */
export class OperationTimeoutError extends StemError {
  /** The call that timed out, e.g. `"broker.publish"`. */
  readonly operation: string;
  /** The bound, in ms. */
  readonly timeoutMs: number;

  /** Creates the error for `operation` after `timeoutMs`. */
  constructor(operation: string, timeoutMs: number) {
    super(
      ErrorCode.operationTimeout,
      `${operation} did not complete within ${timeoutMs} ms; the server may be down or ` +
        `overloaded. Check the broker and result backend, or raise Stem's operationTimeout.`,
    );
    this.operation = operation;
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Settles like `work`, or rejects with {@link OperationTimeoutError} once `timeoutMs` of `clock`
 * time passes first (`undefined`: no bound). The call itself cannot be cancelled; its late
 * result is dropped.
 */
export function withTimeout<T>(
  clock: Clock,
  timeoutMs: number | undefined,
  operation: string,
  work: Promise<T>,
): Promise<T> {
  if (timeoutMs === undefined) return work;
  return new Promise<T>((resolve, reject) => {
    const timer = clock.setTimeout(
      () => reject(new OperationTimeoutError(operation, timeoutMs)),
      timeoutMs,
    );
    work.then(
      (value) => {
        clock.clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

const NOTHING = (): void => {};

interface PendingCall {
  at: number;
  operation: string;
  reject: (error: unknown) => void;
  done: boolean;
}

/**
 * {@link withTimeout} for many calls with one bound: one timer serves every call in flight (a
 * batch of 1,000 `queued` records arms one, not 1,000), and it is cleared as soon as no call is
 * left, so nothing keeps the process alive. The calls share one bound, so their deadlines come in
 * call order: a FIFO whose head is the earliest, with finished calls dropped from the head (no
 * set insert and delete per call).
 */
export class OperationDeadlines {
  readonly #clock: Clock;
  readonly #timeoutMs: number | undefined;
  #queue: PendingCall[] = [];
  #head = 0;
  #live = 0;
  #timer: TimerHandle | undefined;

  /** Bounds calls by `timeoutMs` of `clock` time (`undefined`: no bound). */
  constructor(clock: Clock, timeoutMs: number | undefined) {
    this.#clock = clock;
    this.#timeoutMs = timeoutMs;
  }

  /** Settles like `work`, or rejects with {@link OperationTimeoutError} once the bound passes. */
  bound<T>(operation: string, work: Promise<T>): Promise<T> {
    const timeoutMs = this.#timeoutMs;
    if (timeoutMs === undefined) return work;
    return new Promise<T>((resolve, reject) => {
      const call: PendingCall = {
        at: this.#clock.now() + timeoutMs,
        operation,
        reject,
        done: false,
      };
      this.#queue.push(call);
      this.#live++;
      if (this.#timer === undefined) this.#arm(timeoutMs);
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

  #done(call: PendingCall): void {
    if (call.done) return;
    call.done = true;
    // The reject function would keep the settled promise and its value alive in the queue.
    call.reject = NOTHING;
    if (--this.#live === 0) {
      this.#queue = [];
      this.#head = 0;
      if (this.#timer !== undefined) {
        this.#clock.clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      return;
    }
    const queue = this.#queue;
    while (this.#head < queue.length && queue[this.#head].done) this.#head++;
    if (this.#head > 1_024 && this.#head * 2 > queue.length) {
      this.#queue = queue.slice(this.#head);
      this.#head = 0;
    }
  }

  #arm(ms: number): void {
    this.#timer = this.#clock.setTimeout(() => this.#expire(), Math.max(0, ms));
  }

  #expire(): void {
    this.#timer = undefined;
    const now = this.#clock.now();
    const queue = this.#queue;
    while (this.#head < queue.length) {
      const call = queue[this.#head];
      if (!call.done) {
        if (call.at > now) break;
        call.done = true;
        this.#live--;
        call.reject(new OperationTimeoutError(call.operation, this.#timeoutMs!));
      }
      this.#head++;
    }
    if (this.#head < queue.length) this.#arm(queue[this.#head].at - now);
    else {
      this.#queue = [];
      this.#head = 0;
    }
  }
}
