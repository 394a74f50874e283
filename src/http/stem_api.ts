import { type Logger, silentLogger } from "../observability/logger.ts";
import { Hono } from "hono";
import type { Context } from "hono";
import { type Clock, systemClock } from "../core/clock.ts";
import { type Duration, toMillis } from "../core/duration.ts";
import { UnknownTaskError } from "../core/errors.ts";
import type { Stem } from "../producer/stem.ts";
import { enqueueRequestFrom, requestedTaskNames } from "./enqueue_body.ts";
import { HttpProblem } from "./http_problem.ts";
import { openApiDocument } from "./openapi.ts";
import { problemResponse } from "./problem.ts";
import { parseJsonObject, readBody } from "./read_body.ts";
import { type ApiAuthOptions, RequestAuthenticator } from "./request_auth.ts";
import { taskView } from "../inspect/task_view.ts";
import type { TaskMetrics } from "../observability/task_metrics.ts";

/** Options of {@link stemApi}. */
export interface StemApiOptions {
  /** Who may call: bearer tokens and/or HMAC keys. `false` turns auth off (tests, private networks). */
  auth: ApiAuthOptions | false;
  /** Tasks the API may enqueue (names or a predicate). @default every task the producer accepts */
  tasks?: string[] | ((name: string) => boolean);
  /** Largest accepted request body. @default 65536 (64 KiB) */
  maxBodyBytes?: number;
  /** Longest `/wait`; longer requested timeouts are cut to this. @default "60s" */
  maxWait?: Duration;
  /** Time source (HMAC timestamp window). @default systemClock */
  clock?: Clock;
  /** Where unexpected (500) errors are logged when `onError` is not given. @default silentLogger */
  logger?: Logger;
  /** Called with unexpected (500) errors. @default logs them through `logger` */
  onError?: (error: unknown) => void;
  /** Served as Prometheus text at `GET /v1/metrics` (behind the same auth). @default no route */
  metrics?: Pick<TaskMetrics, "prometheus">;
}

type Env = { Variables: { body: Uint8Array<ArrayBuffer> } };

function allowList(tasks: StemApiOptions["tasks"]): (name: string) => boolean {
  if (tasks === undefined) return () => true;
  if (typeof tasks === "function") return tasks;
  const set = new Set(tasks);
  return (name) => set.has(name);
}

function backendOf(stem: Stem): void {
  if (!stem.backend) {
    throw new HttpProblem(501, "no-backend", "This API's producer has no result backend.");
  }
}

/**
 * An HTTP API over a producer, as a hono app: `POST /v1/tasks/:name` enqueues, `GET /v1/tasks/:id`
 * reads a status, `POST /v1/tasks/:id/wait?timeout=` waits for the result, and
 * `GET /v1/openapi.json` describes it all. Every error is an RFC 9457 `application/problem+json`
 * document. Runs anywhere hono does (Deno, Bun, Cloudflare Workers).
 *
 * @example
 * ```ts ignore
 * const app = stemApi(stem, { auth: { bearer: env.STEM_API_TOKEN } });
 * Deno.serve(app.fetch); // or: export default app;  (Workers, Bun)
 * ```
 */
export function stemApi(stem: Stem, options: StemApiOptions): Hono<Env> {
  const clock = options.clock ?? systemClock;
  const auth = options.auth === false ? undefined : new RequestAuthenticator(options.auth, clock);
  const maxBody = options.maxBodyBytes ?? 65_536;
  const maxWait = toMillis(options.maxWait ?? "60s");
  const allowed = allowList(options.tasks);
  const logger = options.logger ?? silentLogger;
  const report = options.onError ??
    ((error: unknown) => logger.error("The HTTP API failed on a request", { error }));
  const docs = openApiDocument({
    bearer: !!auth && !!options.auth && options.auth.bearer !== undefined,
    hmac: !!auth && !!options.auth && options.auth.hmac !== undefined,
    maxBodyBytes: maxBody,
    maxWaitMs: maxWait,
  });
  const app = new Hono<Env>();

  app.onError((error, c) => {
    const response = problemResponse(error, c.req.path);
    if (response.status === 500) report(error);
    return response;
  });
  app.notFound((c) =>
    problemResponse(
      new HttpProblem(404, "not-found", `No route for ${c.req.method} ${c.req.path}.`),
    )
  );
  app.get("/v1/openapi.json", (c) => c.json(docs));
  app.use("/v1/*", async (c, next) => {
    const body = c.req.method === "GET" || c.req.method === "HEAD"
      ? new Uint8Array(0)
      : await readBody(c.req.raw, maxBody);
    c.set("body", body);
    await auth?.check(c.req.raw, body);
    await next();
  });

  const metrics = options.metrics;
  if (metrics) {
    app.get("/v1/metrics", async (c) =>
      c.body(await metrics.prometheus(), 200, {
        "content-type": "text/plain; version=0.0.4; charset=utf-8",
      }));
  }

  app.post("/v1/tasks/:name", async (c) => {
    const name = c.req.param("name");
    const request = enqueueRequestFrom(
      parseJsonObject(c.get("body"), c.req.header("content-type") ?? null),
    );
    for (const task of requestedTaskNames(name, request)) {
      if (!allowed(task)) throw new UnknownTaskError(task);
    }
    const id = await stem.enqueue(name, request);
    const base = c.req.path.slice(0, c.req.path.lastIndexOf("/"));
    const self = `${base}/${encodeURIComponent(id)}`;
    c.header("location", self);
    return c.json({ id, name, state: "queued", links: { self, wait: `${self}/wait` } }, 202);
  });

  app.get("/v1/tasks/:id", async (c) => c.json(await taskView(stem, await statusOf(stem, c))));

  app.post("/v1/tasks/:id/wait", async (c) => {
    const requested = c.req.query("timeout");
    const asked = requested === undefined
      ? maxWait
      : toMillis(/^\d+$/.test(requested) ? Number(requested) : requested);
    await statusOf(stem, c);
    const result = await stem.waitForTask(c.req.param("id"), {
      timeout: Math.min(asked, maxWait),
      signal: c.req.raw.signal,
    });
    const view = await taskView(stem, result.status!);
    return c.json({ ...view, timedOut: result.timedOut });
  });

  return app;
}

async function statusOf(stem: Stem, c: Context<Env>) {
  backendOf(stem);
  const id = c.req.param("id")!;
  const status = await stem.getTaskStatus(id);
  if (!status) throw new HttpProblem(404, "not-found", `No task with id "${id}" is known.`);
  return status;
}
