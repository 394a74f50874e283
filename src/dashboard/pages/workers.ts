import type { JsonValue } from "../../core/envelope.ts";
import { workerOverview } from "../../inspect/worker_overview.ts";
import { badge, timeCell } from "../format.ts";
import { html } from "../html.ts";
import { actionForm, href, type Page, type PageContext } from "../page_context.ts";
import type { SafeHtml } from "../html.ts";

const SHOWN = ["host", "pid", "runtime", "concurrency", "version"];

function text(value: JsonValue | undefined): string {
  return value === undefined || value === null
    ? "-"
    : typeof value === "string"
    ? value
    : JSON.stringify(value);
}

function hasWorkerControl(ctx: PageContext): boolean {
  return !ctx.readOnly && !!(ctx.control?.ping || ctx.control?.shutdown);
}

// The worker-control seam: Ping and Shutdown appear when `control` has those methods.
function actionsCell(ctx: PageContext, workerId: string): SafeHtml {
  if (!hasWorkerControl(ctx)) return html``;
  const id = encodeURIComponent(workerId);
  const ping = ctx.control?.ping ? actionForm(ctx, `/workers/${id}/ping`, "Ping") : "";
  const modes = html`
    <select name="mode"
      aria-label="Shutdown mode"><option value="warm">warm</option><option value="soft">soft</option><option value="hard">hard</option></select>
  `;
  const shutdown = ctx.control?.shutdown
    ? actionForm(ctx, `/workers/${id}/shutdown`, "Shut down", {
      kind: "danger",
      confirm: `Shut down ${workerId}?`,
      extra: modes,
    })
    : "";
  return html`<td>${ping} ${shutdown}</td>`;
}

/** `/workers`: heartbeats, online/offline, queues, running task ids. */
export async function workersPage(ctx: PageContext): Promise<Page> {
  const workers = await workerOverview(ctx.app.stores.heartbeats, ctx.now);
  const rows = workers.map((w) => {
    const running = Array.isArray(w.extras.runningTaskIds) ? w.extras.runningTaskIds : [];
    const links = running.filter((id): id is string => typeof id === "string").map((id) =>
      html`
        <a href="${href(ctx, `/tasks/${encodeURIComponent(id)}`)}">${id}</a>
      `
    );
    return html`
      <tr
        data-worker="${w.workerId}"><td><code>${w.workerId}</code></td><td>${badge(
          w.online ? "online" : "offline",
        )}</td><td>${timeCell(w.lastSeen, ctx.now)}</td><td class="num">${w.inflight}</td><td>${w
          .queues.join(", ")}</td>${SHOWN.map((k) =>
            html`<td>${text(w.extras[k])}</td>`
          )}<td>${links}</td>${actionsCell(ctx, w.workerId)}</tr>
    `;
  });
  const live = workers.length
    ? html`
      <div class="panel">
        <table>
          <thead>
            <tr><th>Worker</th><th>State</th><th>Last heartbeat</th><th class="num">In flight</th><th>Queues</th>${SHOWN
              .map((k) => html`<th>${k}</th>`)}<th>Running tasks</th>${hasWorkerControl(ctx)
              ? html`<th></th>`
              : ""}</tr>
          </thead>
          <tbody>${rows}</tbody>
        </table>
      </div>
      <p
        class="muted">A worker is offline once it has missed two heartbeats; it disappears when its heartbeat expires.</p>
    `
    : html`<p class="muted">No worker heartbeats.</p>`;
  return { title: "Workers", nav: "workers", live };
}
