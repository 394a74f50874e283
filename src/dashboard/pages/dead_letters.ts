import type { DeadLetterEntry } from "../../broker/dead_letter_store.ts";
import { timeCell } from "../format.ts";
import { html, type SafeHtml } from "../html.ts";
import { knownQueueNames } from "../known_queues.ts";
import { actionForm, href, type Page, type PageContext } from "../page_context.ts";
import { CSRF_FIELD } from "../csrf.ts";

const PAGE = 50;

function errorOf(entry: DeadLetterEntry): string {
  const e = entry.meta.error;
  if (typeof e === "string") return e;
  if (e && typeof e === "object" && !Array.isArray(e) && typeof e.message === "string") {
    return e.message;
  }
  return "";
}

function groups(entries: DeadLetterEntry[]): SafeHtml {
  const counts = new Map<string, { reason: string; task: string; n: number }>();
  for (const e of entries) {
    const key = `${e.reason}\u0000${e.envelope.name}`;
    const g = counts.get(key) ?? { reason: e.reason, task: e.envelope.name, n: 0 };
    g.n++;
    counts.set(key, g);
  }
  const rows = [...counts.values()].sort((a, b) => b.n - a.n).map((g) =>
    html`
      <tr>
        <td>${g.reason}</td>
        <td>${g.task}</td>
        <td class="num">${g.n}</td>
      </tr>
    `
  );
  return html`
    <table>
      <thead>
        <tr>
          <th>Reason</th>
          <th>Task</th>
          <th class="num">Entries</th>
        </tr>
      </thead>
      <tbody>${rows}</tbody>
    </table>
  `;
}

/** `/dead-letters?queue=`: grouped by reason and task, each entry replayable, bulk replay/purge. */
export async function deadLettersPage(ctx: PageContext): Promise<Page> {
  const queues = await knownQueueNames(ctx);
  const queue = ctx.query.get("queue") || queues[0] || "default";
  const offset = Math.max(0, Number(ctx.query.get("offset")) || 0);
  const [page, counts] = await Promise.all([
    ctx.app.deadLetters.listDeadLetters(queue, { limit: PAGE, offset }),
    ctx.app.stores.broker.counts(queue),
  ]);
  const q = encodeURIComponent(queue);
  const back = `/dead-letters?queue=${q}`;
  const rows = page.entries.map((e) =>
    html`
      <tr data-dead="${e.envelope.id}">
        <td><a href="${href(ctx, `/tasks/${encodeURIComponent(e.envelope.id)}`)}">${e.envelope
          .id}</a></td>
        <td>${e.envelope.name}</td>
        <td>${e.reason}</td>
        <td>${errorOf(e)}</td>
        <td class="num">${e.envelope.attempt}</td>
        <td>${timeCell(e.deadAt, ctx.now)}</td>
        <td>${actionForm(ctx, "/dead-letters/replay", "Replay", {
          fields: { queue, id: e.envelope.id, back },
        })}</td>
      </tr>
    `
  );
  const tabs = queues.map((name) =>
    html`
      <a class="button" href="${href(
        ctx,
        `/dead-letters?queue=${encodeURIComponent(name)}`,
      )}" ${name === queue
        ? html`
          aria-current="page"
        `
        : ""}>${name}</a>
    `
  );
  const bulk = ctx.readOnly ? html`` : html`<div class="panel"><h2>Bulk actions on ${queue}</h2>
${
    actionForm(ctx, "/dead-letters/replay-all", "Replay up to 100", {
      kind: "primary",
      fields: { queue, back },
      confirm: `Replay up to 100 dead letters of ${queue}?`,
    })
  }
<form class="inline" method="post" action="${
    href(ctx, "/dead-letters/purge")
  }" data-confirm="Delete these dead letters for good?"><input type="hidden" name="${CSRF_FIELD}" value="${ctx.csrf}"><input type="hidden" name="queue" value="${queue}"><input type="hidden" name="back" value="${back}">
<label class="muted">dead within the last <select name="within"><option value="">any time</option><option value="3600000">hour</option><option value="86400000">day</option></select></label>
<label class="muted"><input type="checkbox" name="confirm" value="yes" required> I understand this deletes them</label> <button type="submit" class="danger">Purge</button></form></div>`;
  const live = html`<p>${tabs}</p><p>${counts.dead} dead letter(s) in <strong>${queue}</strong>.</p>
${
    page.entries.length
      ? html`<div class="panel"><h2>By reason and task (this page)</h2>${
        groups(page.entries)
      }</div>`
      : ""
  }
<div class="panel">${
    page.entries.length
      ? html`
        <table class="dead">
          <thead>
            <tr>
              <th>Task id</th>
              <th>Name</th>
              <th>Reason</th>
              <th>Error</th>
              <th class="num">Attempt</th>
              <th>Dead</th>
              <th></th>
            </tr>
          </thead>
          <tbody>${rows}</tbody>
        </table>
      `
      : html`<p class="muted">No dead letters.</p>`
  }${
    page.nextOffset !== null
      ? html`<p><a href="${href(ctx, `${back}&offset=${page.nextOffset}`)}">Older</a></p>`
      : ""
  }</div>`;
  return { title: "Dead letters", nav: "dead", live, after: bulk };
}
