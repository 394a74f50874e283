import { checkHealth } from "../../inspect/health_check.ts";
import { workerOverview } from "../../inspect/worker_overview.ts";
import { badge, timeCell } from "../format.ts";
import { html } from "../html.ts";
import { knownQueueOverview } from "../known_queues.ts";
import { href, type Page, type PageContext } from "../page_context.ts";
import { throughput, throughputChart } from "../throughput.ts";
import { pausedQueues, queueTable } from "./queue_table.ts";

/** `/`: totals, throughput over the last hour, queues, workers, health, latest failures. */
export async function overviewPage(ctx: PageContext): Promise<Page> {
  const { stores } = ctx.app;
  const [queues, workers, health, recent, failures, paused] = await Promise.all([
    knownQueueOverview(ctx),
    workerOverview(stores.heartbeats, ctx.now),
    checkHealth(stores, { clock: ctx.clock, timeoutMs: 3_000, queue: ctx.queues[0] }),
    stores.statuses.listTaskStatuses({ limit: ctx.chartSample }),
    stores.statuses.listTaskStatuses({ state: "failed", limit: 8 }),
    pausedQueues(ctx),
  ]);
  const sum = (key: "pending" | "inflight" | "delayed" | "dead") =>
    queues.reduce((n, q) => n + q[key], 0);
  const online = workers.filter((w) => w.online).length;
  const chart = throughput(recent, ctx.now, ctx.chartSample);
  const done = chart.succeeded.reduce((a, b) => a + b, 0);
  const failed = chart.failed.reduce((a, b) => a + b, 0);
  const rate = done + failed === 0 ? "-" : `${((failed / (done + failed)) * 100).toFixed(1)}%`;
  const card = (id: string, n: number | string, label: string) =>
    html`
      <div class="card" data-card="${id}">
        <div class="n">${n}</div>
        <div class="l">${label}</div>
      </div>
    `;
  const probes = health.probes.map((p) =>
    html`
      <tr>
        <td>${p.store}</td>
        <td>${badge(p.ok ? "ok" : "error")}</td>
        <td class="num">${p.latencyMs} ms</td>
        <td>${p.error ?? ""}</td>
      </tr>
    `
  );
  const failureRows = failures.map((s) =>
    html`
      <tr>
        <td><a href="${href(ctx, `/tasks/${encodeURIComponent(s.id)}`)}">${s.id}</a></td>
        <td>${s.name}</td>
        <td>${s.error ? `${s.error.type}: ${s.error.message}` : ""}</td>
        <td>${timeCell(s.timestamps.updatedAt, ctx.now)}</td>
      </tr>
    `
  );
  const live = html`
    <div class="cards">
    ${card("pending", sum("pending"), "pending")}${card(
      "inflight",
      sum("inflight"),
      "in flight",
    )}${card("delayed", sum("delayed"), "delayed")}${card(
      "dead",
      sum("dead"),
      "dead letters",
    )}${card("workers", `${online} / ${workers.length}`, "workers online")}${card(
      "done",
      done + failed,
      "finished, last hour",
    )}${card("failure-rate", rate, "failure rate, last hour")}${card(
      "health",
      health.ok ? "ok" : "degraded",
      "store health",
    )}</div>
    <div
      class="panel"><h2>Throughput, last hour <span class="muted">(succeeded green, failed red${chart
          .truncated
        ? `; from the latest ${ctx.chartSample} statuses`
        : ""})</span></h2>${throughputChart(chart)}</div>
    <div class="grid2">
      <div class="panel"><h2>Queues</h2>${queueTable(ctx, queues, paused)}</div>
      <div class="panel">
        <h2>Store health</h2>
        <table>
          <tbody>${probes}</tbody>
        </table>
        <h2>Workers</h2>
        <p>${online} online, ${workers.length - online} offline. <a href="${href(
          ctx,
          "/workers",
        )}">Details</a></p>
      </div>
    </div>
    <div class="panel"><h2>Latest failures</h2>${failureRows.length
      ? html`
        <table>
          <thead>
            <tr>
              <th>Task</th>
              <th>Name</th>
              <th>Error</th>
              <th>When</th>
            </tr>
          </thead>
          <tbody>${failureRows}</tbody>
        </table>
      `
      : html`<p class="muted">None.</p>`}</div>
  `;
  return { title: "Overview", nav: "overview", live };
}
