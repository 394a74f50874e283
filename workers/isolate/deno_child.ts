/**
 * The entry of a subprocess isolate on Deno (`deno run deno_child.ts`): serves the worker's tasks
 * over stdin/stdout lines, reports the process's RSS after each task, and exits when the worker
 * closes stdin (the worker went away).
 *
 * @module
 */
import { serveIsolate } from "../../src/isolate/serve_isolate.ts";
import { FRAME_MARK, lines } from "./frame.ts";

const encoder = new TextEncoder();

function writeAll(bytes: Uint8Array): void {
  let written = 0;
  while (written < bytes.length) written += Deno.stdout.writeSync(bytes.subarray(written));
}

serveIsolate({
  // One synchronous write per message, so a task's own output never splits a message.
  post: (message) => writeAll(encoder.encode(`${FRAME_MARK}${JSON.stringify(message)}\n`)),
  listen: (deliver) => {
    (async () => {
      for await (const line of lines(Deno.stdin.readable)) if (line) deliver(JSON.parse(line));
      Deno.exit(0);
    })();
  },
}, {
  load: (url) => import(url),
  memory: () => Deno.memoryUsage().rss,
});
