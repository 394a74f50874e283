/** Lets the process exit while `timer` is pending (Deno, Bun and Node). */
export function unrefTimer<T>(timer: T): T {
  const deno = (globalThis as { Deno?: { unrefTimer(id: number): void } }).Deno;
  if (deno && typeof timer === "number") deno.unrefTimer(timer);
  else (timer as { unref?: () => void }).unref?.();
  return timer;
}
