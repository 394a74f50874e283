import type { DeadLetterEntry, DeadLetterStore } from "../broker/dead_letter_store.ts";

/** What replaying one dead letter did. */
export type ReplayOneResult =
  | { replayed: true; entry: DeadLetterEntry }
  | { replayed: false; reason: string };

/**
 * Replays the one dead letter `id` of `queue`. The store replays the oldest entries dead since a
 * time, so this replays one entry from the target's `deadAt`, after a dry run shows that entry is
 * the target (another entry dead in the same millisecond could come first: then nothing is
 * replayed and the reason says to replay the queue instead).
 */
export async function replayOneDeadLetter(
  store: DeadLetterStore,
  queue: string,
  id: string,
): Promise<ReplayOneResult> {
  const entry = await store.getDeadLetter(queue, id);
  if (!entry) return { replayed: false, reason: `No dead letter "${id}" in queue "${queue}".` };
  const options = { since: entry.deadAt, limit: 1 };
  const planned = await store.replayDeadLetters(queue, { ...options, dryRun: true });
  if (planned.entries[0]?.envelope.id !== id) {
    return {
      replayed: false,
      reason:
        `Another dead letter of "${queue}" died in the same millisecond as "${id}"; replay the queue's entries instead.`,
    };
  }
  const done = await store.replayDeadLetters(queue, options);
  const replayed = done.entries[0];
  if (replayed?.envelope.id !== id) {
    return {
      replayed: false,
      reason: `The dead letters of "${queue}" changed meanwhile; try again.`,
    };
  }
  return { replayed: true, entry: replayed };
}
