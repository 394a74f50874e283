/**
 * Shutdown signals for long-running entry points (`stem worker`, `stem redis-http`).
 *
 * @module
 */
import process from "node:process";

/** The signals that ask a Stem process to stop. */
export type ShutdownSignal = "SIGINT" | "SIGTERM";

/** Calls `handler` on every SIGINT/SIGTERM; returns a function that stops listening. */
export function onShutdownSignal(handler: (signal: ShutdownSignal) => void): () => void {
  const onInt = () => handler("SIGINT");
  const onTerm = () => handler("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return () => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  };
}
