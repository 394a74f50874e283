import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { systemClock } from "../core/clock.ts";
import { toMillis } from "../core/duration.ts";
import { silentLogger } from "../observability/logger.ts";
import { type ActionDeps, formOf, registerActions } from "./actions.ts";
import { DASHBOARD_CSS, DASHBOARD_JS } from "./assets.ts";
import { CSRF_FIELD, CSRF_HEADER, CsrfGuard } from "./csrf.ts";
import { DashboardAuthenticator } from "./dashboard_auth.ts";
import type { DashboardApp, DashboardOptions } from "./dashboard_options.ts";
import { escapeHtml } from "./html.ts";
import { layout } from "./layout.ts";
import { liveEvents } from "./live_events.ts";
import { enqueueFilter, type Page, type PageContext } from "./page_context.ts";
import { deadLettersPage } from "./pages/dead_letters.ts";
import { overviewPage } from "./pages/overview.ts";
import { queueDetailPage, queuesPage } from "./pages/queues.ts";
import { schedulesPage } from "./pages/schedules.ts";
import { taskDetailPage } from "./pages/task_detail.ts";
import { tasksPage } from "./pages/tasks.ts";
import { workflowRunPage, workflowsPage } from "./pages/workflows.ts";
import { workersPage } from "./pages/workers.ts";

/** The hono environment of the dashboard app: the parsed form of a POST, after its CSRF check. */
export type DashboardEnv = { Variables: { form: Record<string, string> } };

const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
};

function normaliseBase(path: string | undefined): string {
  if (!path || path === "/") return "";
  const trimmed = path.replace(/\/+$/, "");
  if (!trimmed.startsWith("/")) throw new TypeError(`basePath must start with "/", got "${path}".`);
  return trimmed;
}

function simplePage(status: number, title: string, message: string): Response {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${
    escapeHtml(title)
  }</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`;
  return new Response(body, {
    status,
    headers: { ...SECURITY_HEADERS, "content-type": "text/html; charset=utf-8" },
  });
}

/**
 * The Stem dashboard as a hono app: overview with throughput charts, queues, tasks (filter,
 * detail, revoke, enqueue), dead letters (grouped, replay, purge), workers, schedules (enable,
 * disable, next fires) and workflow runs. Server-rendered HTML with one small embedded script that
 * refreshes the page's live region over server-sent events; no build step, no CDN, so it runs
 * offline and on edge hosts. Actions are POSTs behind a same-origin check and a CSRF token;
 * everything read from the stores is HTML-escaped.
 *
 * @example
 * ```ts ignore
 * import { StemApp } from "@stem/stem";
 * import { stemDashboard } from "@stem/stem/dashboard";
 * const app = await StemApp.fromUrl("redis://127.0.0.1:6379");
 * const dashboard = stemDashboard(app, {
 *   basePath: "/admin/stem",
 *   auth: { basic: { username: "ops", password: Deno.env.get("DASH_PASSWORD")! } },
 * });
 * Deno.serve(dashboard.fetch); // or: myHonoApp.route("/", dashboard)
 * ```
 */
export function stemDashboard(app: DashboardApp, options: DashboardOptions): Hono<DashboardEnv> {
  const base = normaliseBase(options.basePath);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? silentLogger;
  const auth = options.auth === false ? undefined : new DashboardAuthenticator(options.auth);
  const csrf = new CsrfGuard(options.csrfSecret, options.trustedOrigins);
  const refreshMs = toMillis(options.refreshInterval ?? "2s");
  const title = options.title ?? "Stem";
  const readOnly = options.readOnly ?? false;
  const mayEnqueue = enqueueFilter(options.enqueue);
  const queues = [...new Set(options.queues ?? [app.stem.defaultQueue, ...taskQueues(app)])];
  const root = new Hono<DashboardEnv>();
  const dash = base ? root.basePath(base) : root;

  root.onError((error) => {
    logger.error("The dashboard failed on a request", { error });
    return simplePage(500, "Dashboard error", (error as Error).message ?? String(error));
  });
  root.notFound(() => simplePage(404, "Not found", "No such dashboard page."));
  dash.use("*", async (c, next) => {
    if (auth && !(await auth.allows(c.req.raw))) {
      const refused = simplePage(401, "Sign in", "This dashboard needs credentials.");
      refused.headers.set("www-authenticate", auth.challenge);
      return refused;
    }
    await next();
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) {
      if (!c.res.headers.has(k)) c.res.headers.set(k, v);
    }
  });
  dash.post(
    "*",
    bodyLimit({
      maxSize: 65_536,
      onError: () => simplePage(413, "Too large", "The form is larger than 64 KiB."),
    }),
    async (c, next) => {
      if (readOnly) return simplePage(403, "Read only", "This dashboard is read-only.");
      const form = await formOf(c);
      const refusal = await csrf.refusal(
        c.req.raw,
        form[CSRF_FIELD] ?? c.req.header(CSRF_HEADER) ?? null,
      );
      if (refusal) return simplePage(403, "Refused", refusal);
      c.set("form", form);
      await next();
    },
  );

  dash.get(
    "/assets/dashboard.js",
    (c) => c.body(DASHBOARD_JS, 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  dash.get(
    "/assets/dashboard.css",
    (c) => c.body(DASHBOARD_CSS, 200, { "content-type": "text/css; charset=utf-8" }),
  );
  dash.get(
    "/events",
    (c) => liveEvents(c, app, queues, { clock, intervalMs: refreshMs, signal: options.signal }),
  );

  const context = async (c: Context): Promise<PageContext> => ({
    app,
    base,
    now: clock.now(),
    clock,
    readOnly,
    csrf: await csrf.token(),
    queues,
    control: options.control,
    mayEnqueue,
    chartSample: options.chartSample ?? 500,
    query: new URL(c.req.url).searchParams,
  });
  const serve =
    (render: (ctx: PageContext, c: Context) => Promise<Page | null>) => async (c: Context) => {
      const ctx = await context(c);
      const page = await render(ctx, c);
      if (!page) return simplePage(404, "Not found", "Nothing has that id (it may have expired).");
      const markup = c.req.header("x-stem-fragment") === "1"
        ? page.live
        : layout(ctx, title, page, refreshMs);
      return c.html(markup.value.trimStart());
    };

  dash.get("/", serve(overviewPage));
  dash.get("/queues", serve(queuesPage));
  dash.get("/queues/:queue", serve((ctx, c) => queueDetailPage(ctx, c.req.param("queue")!)));
  dash.get("/tasks", serve(tasksPage));
  dash.get("/tasks/find", (c) => {
    const id = (c.req.query("id") ?? "").trim();
    return c.redirect(`${base}/tasks/${encodeURIComponent(id)}`, 303);
  });
  dash.get("/tasks/:id", serve((ctx, c) => taskDetailPage(ctx, c.req.param("id")!)));
  dash.get("/dead-letters", serve(deadLettersPage));
  dash.get("/workers", serve(workersPage));
  dash.get("/schedules", serve(schedulesPage));
  dash.get("/workflows", serve(workflowsPage));
  dash.get("/workflows/:id", serve((ctx, c) => workflowRunPage(ctx, c.req.param("id")!)));
  const deps: ActionDeps = {
    app,
    base,
    mayEnqueue,
    control: options.control,
    now: () => clock.now(),
  };
  registerActions(dash, deps);
  return root;
}

function taskQueues(app: DashboardApp): string[] {
  const out: string[] = [];
  for (const handler of app.registry.list()) {
    const queue = handler.options?.queue;
    if (typeof queue === "string") out.push(queue);
  }
  return out;
}
