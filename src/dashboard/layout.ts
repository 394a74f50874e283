import { html, type SafeHtml } from "./html.ts";
import { href, type Page, type PageContext } from "./page_context.ts";

const NAV: [string, string, string][] = [
  ["overview", "/", "Overview"],
  ["queues", "/queues", "Queues"],
  ["tasks", "/tasks", "Tasks"],
  ["dead", "/dead-letters", "Dead letters"],
  ["workers", "/workers", "Workers"],
  ["schedules", "/schedules", "Schedules"],
  ["workflows", "/workflows", "Workflows"],
];

/** A notice from the `notice` / `error` query parameters an action redirected with. */
function notice(ctx: PageContext): SafeHtml {
  const ok = ctx.query.get("notice");
  const bad = ctx.query.get("error");
  return html`${ok ? html`<div class="notice" role="status">${ok}</div>` : ""}${
    bad ? html`<div class="notice error" role="alert">${bad}</div>` : ""
  }`;
}

/** The full HTML document of a page. */
export function layout(ctx: PageContext, title: string, page: Page, refreshMs: number): SafeHtml {
  const links = NAV.map(([key, path, label]) =>
    html`<a href="${href(ctx, path)}" class="${key === page.nav ? "active" : ""}">${label}</a>`
  );
  return html`
    <!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width,initial-scale=1">
        <title>${page.title} · ${title}</title>
        <link rel="icon" href="data:,">
        <link rel="stylesheet" href="${href(ctx, "/assets/dashboard.css")}">
      </head>
      <body data-base="${ctx.base}" data-refresh="${refreshMs}">
        <header><a class="brand" href="${href(ctx, "/")}">${title}</a><nav>${links}</nav>
    <form method="get" action="${href(
      ctx,
      "/tasks/find",
    )}"><input name="id" placeholder="Task id" aria-label="Find a task by id" required> <span id="live-dot" class="live-dot" title="Static"></span></form></header>
        <main><h1>${page.title}</h1>${notice(ctx)}<div id="live">${page.live}</div>${page.after ??
          ""}</main>
        <script src="${href(ctx, "/assets/dashboard.js")}" defer></script>
      </body>
    </html>
  `;
}
