/** Opaque handle returned by {@link Clock.setTimeout}. */
export type TimerHandle = unknown;

/** Source of time and timers; inject a fake one in tests to control leases, delays and backoff. */
export interface Clock {
  /** Current time in epoch milliseconds. */
  now(): number;
  /** Runs `fn` after `ms` milliseconds of this clock's time. */
  setTimeout(fn: () => void, ms: number): TimerHandle;
  /** Cancels a timer made by {@link Clock.setTimeout}. */
  clearTimeout(handle: TimerHandle): void;
}

/**
 * Longest delay the global timers take: a longer one fires after 1 ms instead, which turned a
 * task delayed by a month into a timer spinning every millisecond. A clamped timer fires early
 * and its owner re-arms it for the time that is left.
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** The real clock: `Date.now()` and the global timers (delays clamped to {@link MAX_TIMER_DELAY_MS}). */
export const systemClock: Clock = {
  now: (): number => Date.now(),
  setTimeout: (fn: () => void, ms: number): TimerHandle =>
    setTimeout(fn, Math.min(Math.max(0, ms), MAX_TIMER_DELAY_MS)),
  clearTimeout: (handle: TimerHandle): void => clearTimeout(handle as number),
};
