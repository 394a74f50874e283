/**
 * The isolate runners (`@stem/stem/isolate`): Web Workers on Bun, `deno run` subprocesses on
 * Deno (Deno's `terminate()` cannot stop a busy loop), plain Web Workers elsewhere.
 *
 * @module
 */
import type { IsolatedRunner } from "../../src/isolate/mod.ts";
import { bunIsolatedRunner } from "./bun.ts";
import { denoSubprocessRunner } from "./deno.ts";
import { webWorkerRunner } from "./web_worker.ts";

/** The runner for the runtime this process runs on; `StemApp` uses it when `isolate.runner` is not given. */
export function defaultIsolatedRunner(): Promise<IsolatedRunner> {
  if ("Bun" in globalThis) return Promise.resolve(bunIsolatedRunner());
  if ("Deno" in globalThis) return Promise.resolve(denoSubprocessRunner());
  return Promise.resolve(webWorkerRunner({ killsBusyLoops: false }));
}

export { bunIsolatedRunner } from "./bun.ts";
export { type DenoSubprocessOptions, denoSubprocessRunner, denoWorkerRunner } from "./deno.ts";
export { webWorkerRunner, type WebWorkerRunnerOptions } from "./web_worker.ts";
