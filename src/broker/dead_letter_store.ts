import type { Duration } from "../core/duration.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";

/** A message moved to the dead-letter queue, with why. */
export interface DeadLetterEntry {
  /** The message as it was when dead-lettered. */
  envelope: Envelope;
  /** Machine-readable reason, e.g. `"max-retries-exhausted"`, `"unknown-task"`. */
  reason: string;
  /** Extra detail such as the last error. */
  meta: Record<string, JsonValue>;
  /** When it was dead-lettered, epoch ms. */
  deadAt: number;
}

/** One page of dead letters, newest first. */
export interface DeadLetterPage {
  /** The entries on this page. */
  entries: DeadLetterEntry[];
  /** Offset of the next page, or null at the end. */
  nextOffset: number | null;
}

/** Options for {@link DeadLetterStore.replayDeadLetters}. */
export interface ReplayOptions {
  /** Maximum entries to replay. @default 50 */
  limit?: number;
  /** Only entries dead-lettered at or after this time (epoch ms). */
  since?: number;
  /** Delay before replayed messages become visible. */
  delay?: Duration;
  /** Report what would be replayed without changing anything. @default false */
  dryRun?: boolean;
}

/** Result of a replay. */
export interface ReplayResult {
  /** Entries replayed (or that would be, on a dry run). */
  entries: DeadLetterEntry[];
  /** True when nothing was changed. */
  dryRun: boolean;
}

/**
 * Reads and manages a broker's dead letters. Adapters implement it on the same object as their
 * {@link Broker} (a `StoreSet` exposes it as `deadLetters`); the worker only ever dead-letters
 * through `Broker.deadLetter`.
 */
export interface DeadLetterStore {
  /** Lists dead letters of a queue, newest first. */
  listDeadLetters(
    queue: string,
    options?: { limit?: number; offset?: number },
  ): Promise<DeadLetterPage>;
  /** Finds one dead letter by envelope id. */
  getDeadLetter(queue: string, id: string): Promise<DeadLetterEntry | null>;
  /** Re-publishes dead letters (oldest first) with `attempt` reset to 0. */
  replayDeadLetters(queue: string, options?: ReplayOptions): Promise<ReplayResult>;
  /** Deletes dead letters (newest first); returns how many. */
  purgeDeadLetters(queue: string, options?: { since?: number; limit?: number }): Promise<number>;
}
