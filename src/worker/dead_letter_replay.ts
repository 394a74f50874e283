import type { StatusStore } from "../backend/status_store.ts";
import type {
  DeadLetterEntry,
  DeadLetterStore,
  ReplayOptions,
  ReplayResult,
} from "../broker/dead_letter_store.ts";

/**
 * A {@link DeadLetterStore} whose replay resets each replayed task's status to `queued` before
 * the message is back on its queue, so `waitForTask` waits for the new run instead of returning
 * the old `failed`, and workers (which never run a copy of a finished task) run it again.
 *
 * @example
 * ```ts ignore
 * import { InMemoryBroker, InMemoryResultBackend } from "../../adapters/memory/mod.ts";
 * import { replayResetsStatus } from "./dead_letter_replay.ts";
 * const broker = new InMemoryBroker();
 * const deadLetters = replayResetsStatus(broker, new InMemoryResultBackend());
 * await deadLetters.replayDeadLetters("default", { limit: 10 });
 * ```
 */
export function replayResetsStatus(
  store: DeadLetterStore,
  statuses: StatusStore | undefined,
): DeadLetterStore {
  if (!statuses) return store;
  return {
    listDeadLetters: (queue, options) => store.listDeadLetters(queue, options),
    getDeadLetter: (queue, id) => store.getDeadLetter(queue, id),
    purgeDeadLetters: (queue, options) => store.purgeDeadLetters(queue, options),
    replayDeadLetters: (queue, options) => replay(store, statuses, queue, options),
  };
}

async function replay(
  store: DeadLetterStore,
  statuses: StatusStore,
  queue: string,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  if (options.dryRun) return await store.replayDeadLetters(queue, options);
  // Reset first: a fast worker's `running` for the replayed copy must never be overwritten.
  const planned = await store.replayDeadLetters(queue, { ...options, dryRun: true });
  await Promise.all(planned.entries.map((entry) => resetToQueued(statuses, entry)));
  const result = await store.replayDeadLetters(queue, options);
  const reset = new Set(planned.entries.map((entry) => entry.envelope.id));
  const late = result.entries.filter((entry) => !reset.has(entry.envelope.id));
  await Promise.all(late.map((entry) => resetToQueued(statuses, entry)));
  return result;
}

async function resetToQueued(statuses: StatusStore, entry: DeadLetterEntry): Promise<void> {
  const envelope = entry.envelope;
  await statuses.set({
    id: envelope.id,
    name: envelope.name,
    state: "queued",
    result: null,
    error: null,
    attempt: 0,
    meta: { ...envelope.meta, queue: envelope.queue },
    progress: null,
  });
}
