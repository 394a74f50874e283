import { html } from "../html.ts";
import { knownQueueOverview } from "../known_queues.ts";
import { actionForm, href, type Page, type PageContext } from "../page_context.ts";
import { pausedQueues, queueTable } from "./queue_table.ts";
import { taskRows } from "./tasks.ts";

/** `/queues`: every known queue with its counts. */
export async function queuesPage(ctx: PageContext): Promise<Page> {
  const [queues, paused] = await Promise.all([knownQueueOverview(ctx), pausedQueues(ctx)]);
  const live = html`
    <div class="panel">${queueTable(ctx, queues, paused)}</div>
    <p
      class="muted">Brokers keep no list of queues: these are the configured queues and those live workers consume. Open any queue at <code>${href(
        ctx,
        "/queues/<name>",
      )}</code>.</p>
  `;
  return { title: "Queues", nav: "queues", live };
}

/** `/queues/:name`: counts, pause/resume (when wired), latest tasks, dead letters. */
export async function queueDetailPage(ctx: PageContext, queue: string): Promise<Page> {
  const q = encodeURIComponent(queue);
  const [counts, paused, recent, beats] = await Promise.all([
    ctx.app.stores.broker.counts(queue),
    pausedQueues(ctx),
    ctx.app.stores.statuses.listTaskStatuses({ queue, limit: 25 }),
    ctx.app.stores.heartbeats.listWorkerHeartbeats(),
  ]);
  const consumers = beats.filter((b) => b.queues.includes(queue)).map((b) => b.workerId);
  const isPaused = paused.has(queue);
  // The queue-control seam: these buttons appear once `control` is passed to stemDashboard.
  const control = ctx.control
    ? html`<p>${
      isPaused
        ? html`
          <span class="badge badge-paused">paused</span>
        `
        : ""
    }${
      !isPaused || !ctx.control.pausedQueues
        ? actionForm(ctx, `/queues/${q}/pause`, "Pause", { confirm: `Pause ${queue}?` })
        : ""
    } ${
      isPaused || !ctx.control.pausedQueues ? actionForm(ctx, `/queues/${q}/resume`, "Resume") : ""
    }</p>`
    : html``;
  const card = (key: string, n: number, label: string) =>
    html`
      <div class="card" data-card="${key}">
        <div class="n">${n}</div>
        <div class="l">${label}</div>
      </div>
    `;
  const live = html`${control}<div class="cards">${card("pending", counts.pending, "pending")}${
    card("inflight", counts.inflight, "in flight")
  }${card("delayed", counts.delayed, "delayed")}${card("dead", counts.dead, "dead letters")}</div>
<p>Consumed by ${consumers.length ? consumers.join(", ") : "no live worker"}. <a href="${
    href(ctx, `/dead-letters?queue=${q}`)
  }">Dead letters</a> · <a href="${href(ctx, `/tasks?queue=${q}`)}">All tasks of this queue</a></p>
<div class="panel"><h2>Latest tasks</h2>${taskRows(ctx, recent)}</div>`;
  return { title: `Queue ${queue}`, nav: "queues", live };
}
