import type { Clock } from "../core/clock.ts";
import { CSRF_FIELD } from "./csrf.ts";
import type { DashboardApp, DashboardOptions } from "./dashboard_options.ts";
import { html, type SafeHtml } from "./html.ts";
import type { DashboardControl } from "./dashboard_control.ts";

/** What every page renders with. */
export interface PageContext {
  /** The app the dashboard shows. */
  app: DashboardApp;
  /** The path prefix of every link. */
  base: string;
  /** The time the page is rendered at. */
  now: number;
  /** Time source. */
  clock: Clock;
  /** Hide actions. */
  readOnly: boolean;
  /** The token action forms embed. */
  csrf: string;
  /** Queues named by the options (workers add theirs). */
  queues: readonly string[];
  /** Queue pause/resume, when wired. */
  control: DashboardControl | undefined;
  /** May the enqueue form send this task? */
  mayEnqueue: (name: string) => boolean;
  /** Statuses read for the chart. */
  chartSample: number;
  /** The request's query. */
  query: URLSearchParams;
}

/** A page: its title and the parts around the live region the browser refreshes. */
export interface Page {
  /** `<title>` and heading. */
  title: string;
  /** Nav item to highlight. */
  nav: string;
  /** Refreshed by the live stream. */
  live: SafeHtml;
  /** Shown after the live region, never refreshed (forms being filled in). */
  after?: SafeHtml;
}

/** A link under the dashboard's base path. */
export function href(ctx: Pick<PageContext, "base">, path: string): string {
  return `${ctx.base}${path}`;
}

/** A POST form with the CSRF token; nothing when the dashboard is read-only. */
export function actionForm(
  ctx: PageContext,
  path: string,
  label: string,
  options: { fields?: Record<string, string>; confirm?: string; kind?: string; extra?: SafeHtml } =
    {},
): SafeHtml {
  if (ctx.readOnly) return html``;
  const fields = Object.entries(options.fields ?? {}).map(([name, value]) =>
    html`<input type="hidden" name="${name}" value="${value}">`
  );
  return html`
    <form class="inline" method="post" action="${href(ctx, path)}"
      ${options.confirm
        ? html`
          data-confirm="${options.confirm}"
        `
        : ""}><input type="hidden" name="${CSRF_FIELD}" value="${ctx
        .csrf}">${fields}${options.extra ?? ""}<button type="submit" class="${options.kind ??
        ""}">${label}</button></form>
  `;
}

/** The enqueue allow-list of the options as a predicate. */
export function enqueueFilter(option: DashboardOptions["enqueue"]): (name: string) => boolean {
  if (option === undefined || option === true) return () => true;
  if (option === false) return () => false;
  if (typeof option === "function") return option;
  const set = new Set(option);
  return (name) => set.has(name);
}
