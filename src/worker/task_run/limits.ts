import type { Clock, TimerHandle } from "../../core/clock.ts";

/** Time limits of one handler call. */
export interface LimitOptions {
  /** Time source of the timers. */
  clock: Clock;
  /** Soft limit, ms: `onSoft` fires once when passed. */
  softMs: number | undefined;
  /** Hard limit, ms: the controller is aborted with `timeout()` and the result rejects at once. */
  hardMs: number | undefined;
  /** The attempt's abort controller (made on first use). */
  controller: () => AbortController;
  /** Called when the soft limit passes. */
  onSoft: (limitMs: number) => void;
  /** The error a hard limit aborts with. */
  timeout: (limitMs: number) => Error;
}

/** A handler call under limits. */
export interface LimitedCall<T> {
  /** The handler's result, or a rejection at the hard limit (or an abort) if that comes first. */
  result: Promise<T>;
  /** Settles when the handler itself has returned or thrown, whatever the limits did. */
  settled: Promise<void>;
}

/**
 * Calls `fn` under soft and hard limits. JavaScript cannot stop running code, so a hard limit
 * aborts `ctx.signal` and decides the outcome at once, while `settled` (which holds the worker's
 * slot) waits for the handler to actually finish.
 */
export function callWithLimits<T>(fn: () => Promise<T>, options: LimitOptions): LimitedCall<T> {
  const { clock, softMs, hardMs } = options;
  const timers: TimerHandle[] = [];
  if (softMs !== undefined) timers.push(clock.setTimeout(() => options.onSoft(softMs), softMs));
  let running: Promise<T>;
  try {
    running = fn();
  } catch (error) {
    running = Promise.reject(error);
  }
  // One promise, not then + finally: this runs for every task.
  const done = () => {
    for (const timer of timers) clock.clearTimeout(timer);
  };
  const settled = running.then(done, done);
  if (hardMs === undefined) return { result: running, settled };
  const controller = options.controller();
  const aborted = new Promise<never>((_, reject) => {
    timers.push(clock.setTimeout(() => controller.abort(options.timeout(hardMs)), hardMs));
    const onAbort = () => reject(controller.signal.reason);
    if (controller.signal.aborted) onAbort();
    else controller.signal.addEventListener("abort", onAbort, { once: true });
  });
  aborted.catch(() => {});
  return { result: Promise.race([running, aborted]), settled };
}
