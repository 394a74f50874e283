/**
 * Isolates on Deno. Deno 2's `Worker.terminate()` does not stop a busy loop (checked on 2.9.6:
 * the worker thread keeps a core at 100 % and the process never exits), so the default runner
 * starts each isolate as a `deno run` subprocess and kills it with SIGKILL. A Web Worker mode
 * (`denoWorkerRunner`) starts faster and is fine for tasks that never need killing.
 *
 * @module
 */
import type { IsolatedRunner, IsolateEvents, IsolateProcess } from "../../src/isolate/mod.ts";
import { lines, unframe } from "./frame.ts";
import { webWorkerRunner } from "./web_worker.ts";

/** Options of {@link denoSubprocessRunner}. */
export interface DenoSubprocessOptions {
  /**
   * Flags for `deno run` before the entry: permissions, `--config`. The child needs what the
   * tasks need. @default ["-A"]
   */
  denoArgs?: string[];
  /** The child's entry. @default deno_child.ts beside this file */
  entry?: URL;
}

/** Isolates as `deno run` subprocesses, killable whatever they run. */
export function denoSubprocessRunner(options: DenoSubprocessOptions = {}): IsolatedRunner {
  const entry = options.entry ?? new URL("./deno_child.ts", import.meta.url);
  const args = ["run", ...(options.denoArgs ?? ["-A"]), entry.href];
  return {
    kind: "subprocess",
    killsBusyLoops: true,
    spawn: (events) => spawnChild(args, events),
  };
}

/** Isolates as Deno Web Workers: cheaper, but a hard limit cannot stop a busy loop. */
export function denoWorkerRunner(): IsolatedRunner {
  return webWorkerRunner({ killsBusyLoops: false });
}

function spawnChild(args: string[], events: IsolateEvents): IsolateProcess {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  const encoder = new TextEncoder();
  let killed = false;
  void readFrames(child.stdout, events);
  child.status.then((status) => {
    if (killed) return;
    const signal = status.signal ? `, signal ${status.signal}` : "";
    events.exit(new Error(`the subprocess exited with code ${status.code}${signal}`));
  });
  return {
    send: (message) => {
      writer.write(encoder.encode(`${JSON.stringify(message)}\n`)).catch(() => {});
    },
    kill: async () => {
      killed = true;
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
      await writer.close().catch(() => {});
    },
  };
}

async function readFrames(stdout: ReadableStream<Uint8Array>, events: IsolateEvents) {
  const encoder = new TextEncoder();
  try {
    for await (const line of lines(stdout)) {
      const { output, message } = unframe(line);
      if (output) Deno.stdout.writeSync(encoder.encode(`${output}\n`));
      if (message !== undefined) events.message(JSON.parse(message));
    }
  } catch {
    // The child went away mid-line; its exit status reports it.
  }
}
