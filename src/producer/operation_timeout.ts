import type { Clock } from "../core/clock.ts";
import { DeadlineQueue } from "../core/deadline_queue.ts";
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

/**
 * {@link withTimeout} for many calls with one bound: one timer serves every call in flight (a
 * batch of 1,000 `queued` records arms one, not 1,000), and it is cleared as soon as no call is
 * left, so nothing keeps the process alive (a {@link DeadlineQueue}).
 */
export class OperationDeadlines {
  readonly #queue: DeadlineQueue | null;

  /** Bounds calls by `timeoutMs` of `clock` time (`undefined`: no bound). */
  constructor(clock: Clock, timeoutMs: number | undefined) {
    this.#queue = timeoutMs === undefined
      ? null
      : new DeadlineQueue(clock, timeoutMs, (operation) =>
        new OperationTimeoutError(operation, timeoutMs));
  }

  /** Settles like `work`, or rejects with {@link OperationTimeoutError} once the bound passes. */
  bound<T>(operation: string, work: Promise<T>): Promise<T> {
    return this.#queue ? this.#queue.bound(work, operation) : work;
  }
}
