import { RUN_STATUSES, type RunStatus } from "../../workflow/run_state.ts";
import { workflowParams } from "../../workflow/runtime_metadata.ts";
import { badge, prettyJson, timeCell } from "../format.ts";
import { html } from "../html.ts";
import { href, type Page, type PageContext } from "../page_context.ts";

const NONE = html`<p class="muted">This app's stores keep no workflows.</p>`;

/** `/workflows?status=&workflow=`: runs newest first. */
export async function workflowsPage(ctx: PageContext): Promise<Page> {
  const store = ctx.app.stores.workflows;
  if (!store) return { title: "Workflows", nav: "workflows", live: NONE };
  const text = ctx.query.get("status") ?? "";
  const status = (RUN_STATUSES as string[]).includes(text) ? text as RunStatus : undefined;
  const workflow = ctx.query.get("workflow") || undefined;
  const [runs, watchers] = await Promise.all([
    store.listRuns({ status, workflow, limit: 100 }),
    store.listWatchers(undefined, 100),
  ]);
  const waiting = new Map(watchers.map((w) => [w.runId, w.topic]));
  const options = RUN_STATUSES.map((s) =>
    html`
      <option value="${s}" ${s === status
        ? html`
          selected
        `
        : ""}>${s}</option>
    `
  );
  const rows = runs.map((r) =>
    html`
      <tr data-run="${r.id}">
        <td><a href="${href(ctx, `/workflows/${encodeURIComponent(r.id)}`)}">${r.id}</a></td>
        <td>${r.workflow}</td>
        <td>${badge(r.status)}</td>
        <td class="num">${r.cursor}</td>
        <td>${waiting.get(r.id) ?? r.waitTopic ?? ""}</td>
        <td>${timeCell(r.updatedAt, ctx.now)}</td>
      </tr>
    `
  );
  const live = html`
    <form class="filters" method="get"
      action="${href(
        ctx,
        "/workflows",
      )}"><label>Status <select name="status"><option value="">any</option>${options}</select></label><label>Workflow <input name="workflow" value="${workflow ??
        ""}"></label><button type="submit">Filter</button></form>
    <div class="panel">${runs.length
      ? html`
        <table>
          <thead>
            <tr>
              <th>Run</th>
              <th>Workflow</th>
              <th>Status</th>
              <th class="num">Steps</th>
              <th>Waiting on</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>${rows}</tbody>
        </table>
      `
      : html`<p class="muted">No runs match.</p>`}</div>
  `;
  return { title: "Workflows", nav: "workflows", live };
}

/** `/workflows/:id`: run state, params, result or error, checkpoints, waits. */
export async function workflowRunPage(ctx: PageContext, id: string): Promise<Page | null> {
  const store = ctx.app.stores.workflows;
  if (!store) return { title: "Workflows", nav: "workflows", live: NONE };
  const run = await store.get(id);
  if (!run) return null;
  const [steps, watchers] = await Promise.all([
    store.listSteps(id),
    store.listWatchers(undefined, 500),
  ]);
  const waits = watchers.filter((w) => w.runId === id);
  const stepRows = steps.map((s) =>
    html`
      <tr>
        <td><code>${s.name}</code></td>
        <td>${timeCell(s.savedAt, ctx.now)}</td>
        <td>
          <pre>${prettyJson(s.value)}</pre>
        </td>
      </tr>
    `
  );
  const live = html`
    <div class="grid2">
      <div class="panel">
        <dl class="kv">
          <dt>Run</dt>
          <dd><code>${run.id}</code></dd>
          <dt>Workflow</dt>
          <dd>${run.workflow}</dd>
          <dt>Status</dt>
          <dd>${badge(run.status)}</dd>
          <dt>Steps done</dt>
          <dd>${run.cursor}</dd>
          <dt>Created</dt>
          <dd>${timeCell(run.createdAt, ctx.now)}</dd>
          <dt>Updated</dt>
          <dd>${timeCell(run.updatedAt, ctx.now)}</dd>
          <dt>Resumes</dt>
          <dd>${timeCell(run.resumeAt, ctx.now)}</dd>
          <dt>Waiting on</dt>
          <dd>${waits.map((w) => `${w.topic} (step ${w.stepName})`).join(", ") || run.waitTopic ||
            "-"}</dd>
        </dl>
      </div>
      <div class="panel"><h2>Params</h2><pre>${prettyJson(
        workflowParams(run),
      )}</pre>${run.status === "completed"
        ? html`
          <h2>Result</h2>
          <pre>${prettyJson(run.result)}</pre>
        `
        : ""}${run.lastError
        ? html`
          <h2>Last error</h2>
          <pre>${run.lastError.error}${run.lastError.stack ? `\n${run.lastError.stack}` : ""}</pre>
        `
        : ""}${run.cancellationData
        ? html`
          <h2>Cancelled</h2>
          <pre>${prettyJson(run.cancellationData)}</pre>
        `
        : ""}</div>
    </div>
    <div class="panel"><h2>Checkpoints</h2>${steps.length
      ? html`
        <table>
          <thead>
            <tr>
              <th>Step</th>
              <th>Saved</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>${stepRows}</tbody>
        </table>
      `
      : html`<p class="muted">No checkpoints yet.</p>`}</div>
  `;
  return { title: `Run of ${run.workflow}`, nav: "workflows", live };
}
