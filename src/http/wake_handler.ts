import { systemClock } from "../core/clock.ts";
import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";
import { type ApiAuthOptions, RequestAuthenticator } from "./request_auth.ts";
import { HttpProblem } from "./http_problem.ts";
import { problemResponse } from "./problem.ts";
import type { Worker } from "../worker/worker.ts";

/** Options of {@link stemWakeHandler}. */
export interface WakeHandlerOptions {
  /** Who may wake the worker: bearer tokens and/or HMAC keys, as the HTTP API. `false`: no auth. */
  auth: ApiAuthOptions | false;
}

/**
 * A fetch handler that wakes a running worker: `POST` ends its idle poll back-off, so a task a
 * producer just published starts now instead of after up to `maxIdleWait` (30 s over Redis
 * HTTP). It sends no Redis command. Producers call it with {@link wakeWorker}.
 *
 * @example
 * ```ts ignore
 * const app = await StemApp.fromUrl(env.STEM_BROKER_URL, { tasks });
 * await app.start();
 * Deno.serve({ port: 8787 }, stemWakeHandler(app, { auth: { bearer: env.STEM_WAKE_TOKEN } }));
 * ```
 */
export function stemWakeHandler(
  app: { worker: Worker },
  options: WakeHandlerOptions,
): (request: Request) => Promise<Response> {
  const auth = options.auth === false
    ? undefined
    : new RequestAuthenticator(options.auth, systemClock);
  return async (request) => {
    try {
      if (request.method !== "POST") {
        throw new HttpProblem(405, "method-not-allowed", "Wake the worker with POST.", {
          headers: { allow: "POST" },
        });
      }
      const body = new Uint8Array(await request.arrayBuffer());
      await auth?.check(request, body);
      app.worker.wake();
      return Response.json({ woken: true }, { status: 202 });
    } catch (error) {
      return problemResponse(error, new URL(request.url).pathname);
    }
  };
}

/** Options of {@link wakeWorker}. */
export interface WakeWorkerOptions {
  /** Bearer token the worker's {@link stemWakeHandler} accepts. */
  token?: string;
  /** The fetch to use (a service binding, a test double). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * Producer side of {@link stemWakeHandler}: asks the worker at `url` to claim now. Call it after
 * an enqueue whose pickup latency matters; it rejects with a `StemError` (`wake-failed`) when
 * the worker does not answer 202.
 *
 * @example
 * ```ts ignore
 * await stem.enqueue("reports.build", { id });
 * await wakeWorker("https://worker.internal/wake", { token: env.STEM_WAKE_TOKEN });
 * ```
 */
export async function wakeWorker(url: string, options: WakeWorkerOptions = {}): Promise<void> {
  const headers: Record<string, string> = {};
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const response = await (options.fetch ?? fetch)(url, { method: "POST", headers });
  const text = await response.text();
  if (response.status !== 202) {
    throw new StemError(
      ErrorCode.wakeFailed,
      `Waking the worker at ${url} failed: HTTP ${response.status} ${text.slice(0, 200)}. ` +
        "Check the URL and that the token matches the worker's stemWakeHandler auth.",
    );
  }
}
