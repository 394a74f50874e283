/**
 * Isolates on Bun: module Web Workers. Bun's `Worker.terminate()` stops a busy loop (checked on
 * Bun 1.4.5: a `while (true) {}` worker ends and its `close` event fires), so a hard limit kills
 * the task in-process, without a subprocess.
 *
 * @module
 */
import type { IsolatedRunner } from "../../src/isolate/mod.ts";
import { webWorkerRunner } from "./web_worker.ts";

/** Isolates as Bun Web Workers, killable with `terminate()`. */
export function bunIsolatedRunner(): IsolatedRunner {
  return webWorkerRunner({ killsBusyLoops: true });
}
