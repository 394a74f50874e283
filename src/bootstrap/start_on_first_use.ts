import type { Stem } from "../producer/stem.ts";

/** The producer calls that start a `StemApp`'s worker first (as the original's bootstrap does). */
export const FIRST_USE_METHODS = [
  "enqueue",
  "enqueueCall",
  "enqueueMany",
  "enqueueWithLineage",
  "getTaskStatus",
  "waitForTask",
] as const;

/**
 * Makes `stem` run `beforeUse` before each of {@link FIRST_USE_METHODS}, on this instance only.
 * Wrapping the instance (rather than subclassing `Stem`) keeps every signature exactly the
 * producer's, generics included, however `Stem` evolves.
 */
export function runBeforeUse<S extends Stem>(stem: S, beforeUse: () => Promise<void>): S {
  for (const name of FIRST_USE_METHODS) {
    const original = stem[name] as (...args: unknown[]) => Promise<unknown>;
    Object.defineProperty(stem, name, {
      configurable: true,
      writable: true,
      value: async (...args: unknown[]): Promise<unknown> => {
        await beforeUse();
        return await original.apply(stem, args);
      },
    });
  }
  return stem;
}
