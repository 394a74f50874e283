/**
 * The entry of a Web Worker isolate: serves the worker's tasks over `postMessage`, loading the
 * tasks module with this file's own `import()`, reporting the isolate's heap after each task.
 *
 * @module
 */
import process from "node:process";
import { serveIsolate } from "../../src/isolate/serve_isolate.ts";

const scope = self as unknown as {
  postMessage(message: unknown): void;
  onmessage: ((event: MessageEvent) => void) | null;
};

serveIsolate({
  post: (message) => scope.postMessage(message),
  listen: (deliver) => {
    scope.onmessage = (event) => deliver(event.data);
  },
}, {
  load: (url) => import(url),
  // The isolate's own heap: both runtimes give a worker its own; RSS would be the whole process.
  memory: () => "Deno" in globalThis ? Deno.memoryUsage().heapUsed : process.memoryUsage().heapUsed,
});
