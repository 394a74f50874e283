/**
 * The Web Worker mechanism behind `IsolatedRunner`: one module Worker per isolate, running
 * `web_worker_entry.ts`. Shared by Bun (where `terminate()` stops a busy loop) and the optional
 * Deno Web Worker mode (where it does not).
 *
 * @module
 */
import type { IsolatedRunner, IsolateEvents, IsolateProcess } from "../../src/isolate/mod.ts";

/** Options of {@link webWorkerRunner}. */
export interface WebWorkerRunnerOptions {
  /** Whether `terminate()` stops a busy loop on this runtime. */
  killsBusyLoops: boolean;
  /** The isolate entry. @default web_worker_entry.ts beside this file */
  entry?: URL;
  /** How long `kill()` waits for the runtime's `close` event (Bun sends one). @default 2000 */
  closeWaitMs?: number;
}

/** An `IsolatedRunner` whose isolates are module Web Workers. */
export function webWorkerRunner(options: WebWorkerRunnerOptions): IsolatedRunner {
  const entry = options.entry ?? new URL("./web_worker_entry.ts", import.meta.url);
  return {
    kind: "web-worker",
    killsBusyLoops: options.killsBusyLoops,
    spawn: (events) => spawnWorker(entry, events, options.closeWaitMs ?? 2_000),
  };
}

function spawnWorker(entry: URL, events: IsolateEvents, closeWaitMs: number): IsolateProcess {
  const worker = new Worker(entry.href, { type: "module" });
  let ended = false;
  let closed!: () => void;
  const closing = new Promise<void>((resolve) => (closed = resolve));
  const end = (reason: Error) => {
    if (ended) return;
    ended = true;
    events.exit(reason);
  };
  worker.onmessage = (event: MessageEvent) => events.message(event.data);
  worker.onerror = (event: ErrorEvent) => {
    // Unhandled, an error in a Deno worker would also take the worker's own process down.
    event.preventDefault();
    end(new Error(event.message || "an uncaught error"));
    worker.terminate();
  };
  // Bun only: the worker thread ended (process.exit() in it, or after terminate()).
  worker.addEventListener("close", (event) => {
    closed();
    end(new Error(`it exited with code ${(event as unknown as { code?: number }).code ?? "?"}`));
  });
  return {
    send: (message) => worker.postMessage(message),
    kill: async () => {
      ended = true;
      worker.terminate();
      if (!("Bun" in globalThis)) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([closing, new Promise((r) => (timer = setTimeout(r, closeWaitMs)))]);
      clearTimeout(timer);
    },
  };
}
