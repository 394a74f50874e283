import type { Duration } from "../core/duration.ts";

/** Options of `worker.drain()`. */
export interface DrainOptions {
  /** Claim at most this many deliveries. @default no limit */
  maxTasks?: number;
  /**
   * Time budget from the call: claiming stops at the deadline and tasks still running are handed
   * back to the queue (status reset to `queued`), so nothing stays leased past it. Give the
   * host's budget minus a margin for the settle (a Cloudflare Cron Trigger gets 15 minutes, a
   * Deno Deploy request ~60 s of wall time). @default no deadline
   */
  deadline?: Duration;
  /** Stop early (a request aborted, the host is shutting down): same as reaching the deadline. */
  signal?: AbortSignal;
  /**
   * Return once no delivery has arrived for this long, nothing is running and the broker reports
   * no due message in the worker's queues (a slow first claim is waited out, up to 50 more
   * `idle` periods): what was due has been processed. @default "200ms"
   */
  idle?: Duration;
}

/** What `worker.drain()` did. */
export interface DrainSummary {
  /** Why it returned. */
  stoppedBy: "empty" | "maxTasks" | "deadline" | "signal";
  /** Deliveries claimed. */
  claimed: number;
  /** Outcomes recorded, by kind. */
  succeeded: number;
  /** Tasks that failed for good (dead-lettered). */
  failed: number;
  /** Tasks that failed and were scheduled for another attempt. */
  retried: number;
  /** Tasks acked without running (revoked, expired, skipped by middleware). */
  cancelled: number;
  /** Messages rejected before running (malformed, bad signature, unknown task). */
  rejected: number;
  /** Tasks still running at the deadline, handed back to their queue. */
  handedBack: number;
  /** Wall time of the drain, ms on the worker's clock. */
  durationMs: number;
}
