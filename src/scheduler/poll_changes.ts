import type { Clock } from "../core/clock.ts";

/**
 * The fallback of `ScheduleStore.watchChanges` for a store without notifications (SQLite, Redis
 * over HTTP): reads `nextDue` every `everyMs` and calls `listener` when the earliest fire
 * changed, so a Beat sleeping towards a later fire wakes for an entry another process added.
 * Resolves with the stopper once the first read is done.
 */
export async function pollScheduleChanges(
  nextDue: () => Promise<number | null>,
  clock: Clock,
  everyMs: number,
  listener: () => void,
): Promise<() => Promise<void>> {
  let last = await nextDue().catch(() => null);
  let stopped = false;
  let timer: ReturnType<Clock["setTimeout"]> | undefined;
  const poll = async () => {
    const next = await nextDue().catch(() => last);
    if (stopped) return;
    if (next !== last) listener();
    last = next;
    timer = clock.setTimeout(poll, everyMs);
  };
  timer = clock.setTimeout(poll, everyMs);
  return () => {
    stopped = true;
    if (timer !== undefined) clock.clearTimeout(timer);
    return Promise.resolve();
  };
}
