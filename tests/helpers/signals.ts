import type { Signal } from "../../src/signals/signal.ts";

/** Collects every payload a signal emits, for assertions. */
export function record<T>(signal: Signal<T>): { items: T[]; stop: () => void } {
  const items: T[] = [];
  const stop = signal.connect((p) => {
    items.push(p);
  });
  return { items, stop };
}
