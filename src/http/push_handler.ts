import { type Duration, toMillis } from "../core/duration.ts";
import { systemClock } from "../core/clock.ts";
import { type ApiAuthOptions, RequestAuthenticator } from "./request_auth.ts";
import { HttpProblem } from "./http_problem.ts";
import { problemResponse } from "./problem.ts";
import type { DrainSummary } from "../worker/drain_options.ts";
import type { Worker } from "../worker/worker.ts";

/** Options of {@link stemPushHandler}. */
export interface PushHandlerOptions {
  /** Who may trigger a drain: bearer tokens and/or HMAC keys, as the HTTP API. `false`: no auth. */
  auth: ApiAuthOptions | false;
  /**
   * The most a request may run: the host's request budget minus a margin for settling. A request
   * may ask for less (`?budget=10s`). @default "25s"
   */
  budget?: Duration;
  /** The most deliveries one request claims (a request may ask for fewer, `?maxTasks=`). */
  maxTasks?: number;
}

/**
 * A fetch handler that drains the worker's queues within a time budget and answers with the
 * {@link DrainSummary} as JSON: push delivery for hosts without long-running processes. A
 * dispatcher or a cron (Cloudflare Cron Trigger, Deno Deploy cron, an uptime pinger) sends
 * `POST` with a bearer token; a drain already running in this isolate answers 409.
 *
 * @example
 * ```ts ignore
 * const app = await StemApp.fromUrl(env.STEM_BROKER_URL, { tasks, autoStart: false });
 * Deno.serve(stemPushHandler(app, { auth: { bearer: env.STEM_PUSH_TOKEN }, budget: "50s" }));
 * ```
 */
export function stemPushHandler(
  app: { worker: Worker },
  options: PushHandlerOptions,
): (request: Request) => Promise<Response> {
  const auth = options.auth === false
    ? undefined
    : new RequestAuthenticator(options.auth, systemClock);
  const budgetMs = toMillis(options.budget ?? "25s");
  return async (request) => {
    try {
      if (request.method !== "POST") {
        throw new HttpProblem(405, "method-not-allowed", "Trigger a drain with POST.", {
          headers: { allow: "POST" },
        });
      }
      const body = new Uint8Array(await request.arrayBuffer());
      await auth?.check(request, body);
      if (app.worker.draining) {
        throw new HttpProblem(
          409,
          "drain-running",
          "A drain is already running here; retry later.",
        );
      }
      const url = new URL(request.url);
      const deadline = Math.min(budgetMs, parseBudget(url.searchParams.get("budget")) ?? budgetMs);
      const asked = parseCount(url.searchParams.get("maxTasks"));
      const maxTasks = Math.min(options.maxTasks ?? Infinity, asked ?? Infinity);
      const summary: DrainSummary = await app.worker.drain({
        deadline,
        maxTasks: maxTasks === Infinity ? undefined : maxTasks,
        signal: request.signal,
      });
      return Response.json(summary);
    } catch (error) {
      return problemResponse(error, new URL(request.url).pathname);
    }
  };
}

function parseBudget(text: string | null): number | undefined {
  if (text === null) return undefined;
  try {
    return toMillis(/^\d+$/.test(text) ? Number(text) : text);
  } catch {
    throw new HttpProblem(
      400,
      "invalid-budget",
      `budget must be a duration such as "10s", not "${text}".`,
    );
  }
}

function parseCount(text: string | null): number | undefined {
  if (text === null) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    throw new HttpProblem(
      400,
      "invalid-max-tasks",
      `maxTasks must be a whole number of 1 or more, not "${text}".`,
    );
  }
  return n;
}
