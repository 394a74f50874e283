import { isTerminal, type TaskStatus } from "../../backend/task_status.ts";
import type { DeadLetterEntry } from "../../broker/dead_letter_store.ts";
import { taskView } from "../../inspect/task_view.ts";
import { badge, isoTime, prettyJson, timeCell } from "../format.ts";
import { html, type SafeHtml } from "../html.ts";
import { actionForm, href, type Page, type PageContext } from "../page_context.ts";
import { revokeForm } from "./tasks.ts";

// Meta keys that link to other tasks (canvas, links, chords).
const LINEAGE = [
  "parentId",
  "rootId",
  "linkedFrom",
  "groupId",
  "chordId",
  "stem.chord.callbackTaskId",
];

function timeline(ctx: PageContext, status: TaskStatus): SafeHtml {
  const t = status.timestamps;
  const steps: [string, number | undefined][] = [
    ["recorded", t.createdAt],
    [`attempt ${status.attempt} started`, t.startedAt],
    [status.state, t.finishedAt ?? (isTerminal(status.state) ? undefined : t.updatedAt)],
  ];
  const items = steps.filter(([, at]) => at !== undefined).map(([label, at]) =>
    html`<li><strong>${label}</strong> <span class="muted">${isoTime(at)}</span> (${
      timeCell(at, ctx.now)
    })</li>`
  );
  return html`<ul class="timeline">${items}</ul>`;
}

function lineage(ctx: PageContext, status: TaskStatus): SafeHtml {
  const links = LINEAGE.filter((k) => typeof status.meta[k] === "string").map((k) => {
    const id = status.meta[k] as string;
    return html`
      <dt>${k}</dt>
      <dd><a href="${href(ctx, `/tasks/${encodeURIComponent(id)}`)}">${id}</a></dd>
    `;
  });
  return links.length
    ? html`
      <h2>Lineage</h2>
      <dl class="kv">${links}</dl>
    `
    : html``;
}

function deadLetterPanel(ctx: PageContext, entry: DeadLetterEntry): SafeHtml {
  const queue = entry.envelope.queue;
  const { signature: _hidden, ...envelope } = entry.envelope;
  return html`
    <div class="panel" id="dead-letter">
      <h2>In the dead-letter queue of ${queue}</h2>
      <dl class="kv">
        <dt>Reason</dt>
        <dd>${entry.reason}</dd>
        <dt>Dead since</dt>
        <dd>${timeCell(entry.deadAt, ctx.now)}</dd>
      </dl>
      <p>${actionForm(ctx, `/dead-letters/replay`, "Replay", {
        kind: "primary",
        fields: { queue, id: entry.envelope.id, back: `/tasks/${entry.envelope.id}` },
      })}</p>
      <h2>Arguments</h2>
      <pre class="args">${prettyJson(envelope.args)}</pre>
      <h2>Headers</h2>
      <pre>${prettyJson(envelope.headers)}</pre>
      <h2>Dead-letter detail</h2>
      <pre>${prettyJson(entry.meta)}</pre>
    </div>
  `;
}

/** `/tasks/:id`: status, result or error with stack, progress, timeline, lineage, actions. */
export async function taskDetailPage(ctx: PageContext, id: string): Promise<Page | null> {
  const status = await ctx.app.stores.statuses.get(id);
  if (!status) return null;
  const view = await taskView(ctx.app.stem, status).catch((error) => ({
    result: `(the result could not be decoded: ${(error as Error).message})`,
  }));
  const queue = typeof status.meta.queue === "string" ? status.meta.queue : undefined;
  const dead = queue ? await ctx.app.deadLetters.getDeadLetter(queue, id) : null;
  const progress = status.progress
    ? html`
      <div class="progress"
        title="${status.progress.percent}%"><span style="width:${Math.min(
          100,
          Math.max(0, status.progress.percent),
        )}%"></span></div> ${status.progress.percent}%
    `
    : html`<span class="muted">-</span>`;
  const actions = isTerminal(status.state) ? html`` : revokeForm(ctx, id);
  const live = html`
    <div class="grid2">
      <div class="panel">
        <dl class="kv">
          <dt>Id</dt>
          <dd><code>${status.id}</code></dd>
          <dt>Name</dt>
          <dd>${status.name}</dd>
          <dt>State</dt>
          <dd data-state="${status.state}">${badge(status.state)}</dd>
          <dt>Queue</dt>
          <dd>${queue
            ? html`<a href="${href(ctx, `/queues/${encodeURIComponent(queue)}`)}">${queue}</a>`
            : "-"}</dd>
          <dt>Attempt</dt>
          <dd>${status.attempt}</dd>
          <dt>Worker</dt>
          <dd>${typeof status.meta.worker === "string" ? status.meta.worker : "-"}</dd>
          <dt>Progress</dt>
          <dd>${progress}</dd>
        </dl>
        <p>${actions}</p>
      </div>
      <div class="panel"><h2>Timeline</h2>${timeline(ctx, status)}${lineage(ctx, status)}</div>
    </div>
    ${status.state === "succeeded"
      ? html`
        <div class="panel">
          <h2>Result</h2>
          <pre class="result">${prettyJson(view.result)}</pre>
        </div>
      `
      : ""}${status.error
      ? html`
        <div
          class="panel"><h2>Error</h2><p class="error-message"><strong>${status.error
            .type}</strong>${status.error.code
            ? html`
              <code>${status.error.code}</code>
            `
            : ""}: ${status.error.message}</p>${status.error.stack
            ? html`<pre>${status.error.stack}</pre>`
            : ""}</div>
      `
      : ""}${dead ? deadLetterPanel(ctx, dead) : ""}
    <div class="panel">
      <h2>Meta</h2>
      <pre class="meta">${prettyJson(status.meta)}</pre>
      <p
        class="muted">Arguments live in the broker message, not the status record: they show here while the task is in the dead-letter queue.</p>
    </div>
  `;
  return { title: `Task ${status.name}`, nav: "tasks", live };
}
