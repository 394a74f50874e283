/**
 * The isolate runner for the runtime this process runs on: Web Workers on Bun, `deno run`
 * subprocesses on Deno (Deno's `terminate()` cannot stop a busy loop), plain Web Workers
 * elsewhere.
 *
 * @module
 */
import type { IsolatedRunner } from "../../src/isolate/mod.ts";
import { webWorkerRunner } from "./web_worker.ts";

/** The runner `StemApp` uses when `isolate.runner` is not given. */
export async function defaultIsolatedRunner(): Promise<IsolatedRunner> {
  if ("Bun" in globalThis) return (await import("./bun.ts")).bunIsolatedRunner();
  if ("Deno" in globalThis) return (await import("./deno.ts")).denoSubprocessRunner();
  return webWorkerRunner({ killsBusyLoops: false });
}
