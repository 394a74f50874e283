import { FakeClock } from "../../src/testing/fake_clock.ts";
import { StemApp, type StemAppOptions } from "../../mod.ts";
import type { TaskStatus } from "../../src/backend/task_status.ts";

/** A promise you resolve from outside: lets a test hold a handler mid-run without sleeping. */
export function gate<T = void>(): { promise: Promise<T>; open: (value: T) => void } {
  let open!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (open = resolve));
  return { promise, open };
}

/** An in-memory app on a fake clock, started. */
export async function fakeTimeApp(
  options: StemAppOptions,
): Promise<{ app: StemApp; clock: FakeClock }> {
  const clock = new FakeClock();
  const app = await StemApp.inMemory({ clock, ...options });
  await app.start();
  return { app, clock };
}

/** Resolves with the first status of `id` that matches `predicate` (watching, not polling). */
export async function statusWhere(
  app: StemApp,
  id: string,
  predicate: (s: TaskStatus) => boolean,
): Promise<TaskStatus> {
  let resolve!: (s: TaskStatus) => void;
  const found = new Promise<TaskStatus>((r) => (resolve = r));
  const unwatch = await app.backend.watch(id, (s) => predicate(s) && resolve(s));
  const current = await app.backend.get(id);
  if (current && predicate(current)) resolve(current);
  try {
    return await found;
  } finally {
    await unwatch();
  }
}
