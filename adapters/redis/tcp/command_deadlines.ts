import type { Clock } from "../../../src/core/clock.ts";
import { DeadlineQueue } from "../../../src/core/deadline_queue.ts";
import { RedisTimeoutError } from "../errors.ts";

/**
 * The reply deadlines of one TCP connection: one timer for every command in flight. A timer and
 * a clear per command (and node-redis' `AbortSignal.timeout`, whose timer is never cleared and
 * builds a `DOMException` when it fires) cost more than the command on a busy worker.
 */
export function commandDeadlines(url: string, ms: number, clock: Clock): DeadlineQueue {
  return new DeadlineQueue(
    clock,
    ms,
    (name) => new RedisTimeoutError(url, ms, `${name.toUpperCase()} got no reply`),
  );
}
