import type { QueueOverview } from "../../inspect/queue_overview.ts";
import { html, type SafeHtml } from "../html.ts";
import { href, type PageContext } from "../page_context.ts";

/** The queue table of the overview and the queues page. */
export function queueTable(
  ctx: PageContext,
  queues: QueueOverview[],
  paused: Set<string>,
): SafeHtml {
  if (queues.length === 0) return html`<p class="muted">No queues known yet.</p>`;
  const q = (name: string) => encodeURIComponent(name);
  const rows = queues.map((row) =>
    html`
      <tr data-queue="${row.queue}">
        <td><a href="${href(ctx, `/queues/${q(row.queue)}`)}">${row
          .queue}</a>${paused.has(row.queue)
          ? html`
            <span class="badge badge-paused">paused</span>
          `
          : ""}</td>
        <td class="num" data-count="pending">${row.pending}</td>
        <td class="num" data-count="inflight">${row.inflight}</td>
        <td class="num" data-count="delayed">${row.delayed}</td>
        <td class="num" data-count="dead">${row.dead > 0
          ? html`<a href="${href(ctx, `/dead-letters?queue=${q(row.queue)}`)}">${row.dead}</a>`
          : row.dead}</td>
        <td class="num">${row.workers}</td>
      </tr>
    `
  );
  return html`
    <table class="queues">
      <thead>
        <tr>
          <th>Queue</th>
          <th class="num">Pending</th>
          <th class="num">In flight</th>
          <th class="num">Delayed</th>
          <th class="num">Dead</th>
          <th class="num">Workers</th>
        </tr>
      </thead>
      <tbody>${rows}</tbody>
    </table>
  `;
}

/** The paused queues, when queue control is wired and can tell. */
export async function pausedQueues(ctx: PageContext): Promise<Set<string>> {
  const paused = ctx.control?.pausedQueues ? await ctx.control.pausedQueues() : [];
  return new Set(paused.map((p) => p.queue));
}
