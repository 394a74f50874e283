import type { TaskState, TaskStatus } from "../../backend/task_status.ts";
import { badge, timeCell } from "../format.ts";
import { html, type SafeHtml } from "../html.ts";
import { knownQueueNames } from "../known_queues.ts";
import { actionForm, href, type Page, type PageContext } from "../page_context.ts";
import { CSRF_FIELD } from "../csrf.ts";

/** Every task state, in the order the filter offers them. */
export const TASK_STATES: readonly TaskState[] = [
  "queued",
  "running",
  "retried",
  "succeeded",
  "failed",
  "cancelled",
];

const PAGE = 50;

/** Rows of a task list. */
export function taskRows(ctx: PageContext, statuses: TaskStatus[]): SafeHtml {
  if (statuses.length === 0) return html`<p class="muted">No tasks match.</p>`;
  const rows = statuses.map((s) =>
    html`
      <tr data-task="${s.id}">
        <td><a href="${href(ctx, `/tasks/${encodeURIComponent(s.id)}`)}">${s.id}</a></td>
        <td>${s.name}</td>
        <td>${badge(s.state)}</td>
        <td>${typeof s.meta.queue === "string" ? s.meta.queue : ""}</td>
        <td class="num">${s.attempt}</td>
        <td>${s.error ? `${s.error.type}: ${s.error.message}` : ""}</td>
        <td>${timeCell(s.timestamps.updatedAt, ctx.now)}</td>
      </tr>
    `
  );
  return html`
    <table class="tasks">
      <thead>
        <tr>
          <th>Id</th>
          <th>Name</th>
          <th>State</th>
          <th>Queue</th>
          <th class="num">Attempt</th>
          <th>Error</th>
          <th>Updated</th>
        </tr>
      </thead>
      <tbody>${rows}</tbody>
    </table>
  `;
}

function select(name: string, values: readonly string[], current: string, all: string): SafeHtml {
  const options = values.map((v) =>
    html`
      <option value="${v}" ${v === current
        ? html`
          selected
        `
        : ""}>${v}</option>
    `
  );
  return html`<select name="${name}"><option value="">${all}</option>${options}</select>`;
}

/**
 * `/tasks?state=&queue=&name=&offset=`: statuses newest update first. State and queue are
 * filtered by the store; the name filter applies to the page read (stores index no names).
 */
export async function tasksPage(ctx: PageContext): Promise<Page> {
  const stateText = ctx.query.get("state") ?? "";
  const state = (TASK_STATES as string[]).includes(stateText) ? stateText as TaskState : undefined;
  const queue = ctx.query.get("queue") || undefined;
  const name = ctx.query.get("name") ?? "";
  const offset = Math.max(0, Number(ctx.query.get("offset")) || 0);
  const [page, queues] = await Promise.all([
    ctx.app.stores.statuses.listTaskStatuses({ state, queue, limit: PAGE, offset }),
    knownQueueNames(ctx),
  ]);
  const shown = name ? page.filter((s) => s.name.includes(name)) : page;
  const link = (at: number) => {
    const q = new URLSearchParams(ctx.query);
    q.set("offset", String(at));
    q.delete("notice");
    return href(ctx, `/tasks?${q}`);
  };
  const pager = html`<p>${
    offset > 0
      ? html`
        <a href="${link(Math.max(0, offset - PAGE))}">Newer</a>
      `
      : ""
  }${page.length === PAGE ? html`<a href="${link(offset + PAGE)}">Older</a>` : ""}</p>`;
  const filters = html`<form class="filters" method="get" action="${href(ctx, "/tasks")}">
<label>State ${select("state", TASK_STATES, state ?? "", "any")}</label>
<label>Queue ${select("queue", queues, queue ?? "", "any")}</label>
<label>Name contains <input name="name" value="${name}"></label><button type="submit">Filter</button></form>`;
  return {
    title: "Tasks",
    nav: "tasks",
    live: html`<div class="panel">${filters}${taskRows(ctx, shown)}${pager}</div>`,
    after: enqueueForm(ctx, queues),
  };
}

/** The form that enqueues a task by name with JSON arguments. */
export function enqueueForm(ctx: PageContext, queues: string[]): SafeHtml {
  if (ctx.readOnly) return html``;
  const names = ctx.app.registry.list().map((h) => h.name).filter(ctx.mayEnqueue);
  return html`
    <div class="panel">
      <h2>Enqueue a task</h2>
      <form id="enqueue" class="form" method="post"
        action="${href(ctx, "/tasks")}"><input type="hidden" name="${CSRF_FIELD}" value="${ctx
          .csrf}">
    <div class="filters"><label>Task name <input name="name" list="task-names" required></label>
    <label>Queue <input name="queue" list="queue-names" placeholder="the task's"></label>
    <label>Priority <input name="priority" type="number" min="0" max="9" placeholder="0-9"></label></div>
    <label>Arguments (a JSON object) <textarea name="args">{}</textarea></label>
    <p><button type="submit" class="primary">Enqueue</button></p></form>
      <datalist id="task-names">${names.map((n) => html`<option value="${n}">`)}</datalist>
      <datalist id="queue-names">${queues.map((n) => html`<option value="${n}">`)}</datalist>
    </div>
  `;
}

/** The revoke form of a task that has not finished. */
export function revokeForm(ctx: PageContext, id: string): SafeHtml {
  return actionForm(ctx, `/tasks/${encodeURIComponent(id)}/revoke`, "Revoke", {
    kind: "danger",
    confirm: "Revoke this task?",
    extra: html`
      <label
        class="muted"><input type="checkbox" name="terminate" value="1"> abort if running</label> <input
        name="reason" placeholder="reason">
    `,
  });
}
