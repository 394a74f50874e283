import type { JsonValue } from "../core/envelope.ts";
import { UnknownTaskError } from "../core/errors.ts";
import type { AnyTaskHandler } from "../core/task_handler.ts";
import { type ContextHost, WorkerTaskContext } from "../worker/worker_task_context.ts";
import type { HostMessage, IsolateCallOp, IsolateMessage } from "./protocol.ts";
import { fromWireError, toWireError, toWireJson } from "./wire.ts";

/** The isolate's side of the channel: `self` in a Web Worker, stdin/stdout in a subprocess. */
export interface IsolateEndpoint {
  /** Sends a message to the worker. */
  post(message: IsolateMessage): void;
  /** Delivers the worker's messages, in order. */
  listen(onMessage: (message: HostMessage) => void): void;
}

/** What the runtime's entry file injects into {@link serveIsolate}. */
export interface ServeIsolateOptions {
  /** Loads the tasks module by URL (the entry's own `import()`: `src/` loads no code itself). */
  load(url: string): Promise<unknown>;
  /** This isolate's memory use in bytes, reported after each task for recycling. */
  memory?(): number;
}

interface Pending {
  resolve(value: JsonValue): void;
  reject(error: Error): void;
}

/**
 * Serves tasks inside an isolate: loads the tasks module named by the worker's `init`, runs each
 * `run` with a task context whose progress, heartbeats, lease extensions and child enqueues are
 * calls back to the worker, aborts `ctx.signal` on `abort`, and answers with the JSON result or
 * the error.
 *
 * @example
 * ```ts ignore
 * // A Web Worker entry (workers/isolate/web_worker_entry.ts does this):
 * serveIsolate(
 *   { post: (m) => self.postMessage(m), listen: (fn) => (self.onmessage = (e) => fn(e.data)) },
 *   { load: (url) => import(url) },
 * );
 * ```
 */
export function serveIsolate(endpoint: IsolateEndpoint, options: ServeIsolateOptions): void {
  const handlers = new Map<string, AnyTaskHandler>();
  const jobs = new Map<number, AbortController>();
  const pending = new Map<number, Pending>();
  let calls = 0;
  const call = (job: number, op: IsolateCallOp, args: JsonValue): Promise<JsonValue> =>
    new Promise((resolve, reject) => {
      const id = ++calls;
      pending.set(id, { resolve, reject });
      endpoint.post({ type: "call", job, call: id, op, args });
    });
  const run = async (job: number, message: Extract<HostMessage, { type: "run" }>) => {
    const { envelope } = message;
    const controller = new AbortController();
    jobs.set(job, controller);
    try {
      const handler = handlers.get(envelope.name);
      if (!handler) throw new UnknownTaskError(envelope.name);
      const host = contextHost(job, envelope.name, controller.signal, call);
      const ctx = new WorkerTaskContext(envelope, message.args as Record<string, JsonValue>, host);
      const value = toWireJson(await handler.call(ctx, message.args), envelope.name, "result");
      endpoint.post({ type: "done", job, ok: true, value, ...memoryOf(options) });
    } catch (error) {
      endpoint.post({
        type: "done",
        job,
        ok: false,
        error: toWireError(error),
        ...memoryOf(options),
      });
    } finally {
      jobs.delete(job);
    }
  };
  endpoint.listen((message) => {
    switch (message.type) {
      case "init":
        loadTasks(message.tasks, options).then((loaded) => {
          for (const handler of loaded) handlers.set(handler.name, handler);
          endpoint.post({ type: "ready", tasks: [...handlers.keys()] });
        }, (error) => endpoint.post({ type: "fatal", error: toWireError(error) }));
        return;
      case "run":
        void run(message.job, message);
        return;
      case "abort":
        jobs.get(message.job)?.abort(fromWireError(message.reason));
        return;
      case "reply": {
        const waiter = pending.get(message.call);
        pending.delete(message.call);
        if (message.ok) waiter?.resolve(message.value);
        else waiter?.reject(fromWireError(message.error));
      }
    }
  });
}

function memoryOf(options: ServeIsolateOptions): { memory?: number } {
  try {
    return options.memory ? { memory: options.memory() } : {};
  } catch {
    return {};
  }
}

async function loadTasks(url: string, options: ServeIsolateOptions): Promise<AnyTaskHandler[]> {
  const mod = await options.load(url) as { tasks?: unknown };
  const tasks = mod?.tasks;
  if (!Array.isArray(tasks) || !tasks.every(isHandler)) {
    throw new TypeError(
      `The tasks module "${url}" must export "tasks": an array of task handlers (name and call).`,
    );
  }
  return tasks;
}

function isHandler(value: unknown): value is AnyTaskHandler {
  const handler = value as AnyTaskHandler | null;
  return typeof handler?.name === "string" && typeof handler.call === "function";
}

function contextHost(
  job: number,
  name: string,
  signal: AbortSignal,
  call: (job: number, op: IsolateCallOp, args: JsonValue) => Promise<JsonValue>,
): ContextHost {
  return {
    signal,
    heartbeat: async () => void await call(job, "heartbeat", null),
    extendLease: async (ms) => void await call(job, "extendLease", ms),
    progress: async (percent, data) => {
      const wire: JsonValue = data === undefined
        ? { percent }
        : { percent, data: toWireJson(data, name, "progress data") };
      await call(job, "progress", wire);
    },
    enqueueChild: async (child, request) =>
      String(
        await call(job, "enqueue", {
          name: child,
          request: toWireJson(request, name, `enqueue of "${child}"`),
        }),
      ),
    enqueueChildCall: async (childCall) =>
      String(
        await call(job, "enqueue", {
          name: childCall.name,
          request: toWireJson(childCall.request, name, `enqueue of "${childCall.name}"`),
        }),
      ),
  };
}
