import { entryTiming } from "../../scheduler/fire_plan.ts";
import type { ScheduleEntry } from "../../scheduler/schedule_entry.ts";
import { badge, isoTime, timeCell } from "../format.ts";
import { html, type SafeHtml } from "../html.ts";
import { actionForm, type Page, type PageContext } from "../page_context.ts";

function nextFires(entry: ScheduleEntry, now: number): string[] {
  if (entry.enabled === false) return [];
  try {
    const timing = entryTiming(entry);
    const out: string[] = [];
    let t: number | null = now;
    while (out.length < 3 && (t = timing.next(t)) !== null) out.push(isoTime(t));
    return out;
  } catch {
    return [];
  }
}

function row(ctx: PageContext, e: ScheduleEntry): SafeHtml {
  const enabled = e.enabled !== false;
  const id = encodeURIComponent(e.id);
  return html`
    <tr data-schedule="${e.id}">
      <td><code>${e.id}</code></td>
      <td>${e.task}</td>
      <td><code>${typeof e.spec === "string" ? e.spec : JSON.stringify(e.spec)}</code></td>
      <td>${badge(enabled ? "enabled" : "disabled")}</td>
      <td>${timeCell(e.nextRunAt, ctx.now)}<br><span class="muted">${nextFires(e, ctx.now).join(
        ", ",
      )}</span></td>
      <td>${timeCell(e.lastRunAt, ctx.now)}</td>
      <td class="num">${e.totalRunCount}</td>
      <td>${e.lastError ?? ""}</td>
      <td>${actionForm(
        ctx,
        `/schedules/${id}/${enabled ? "disable" : "enable"}`,
        enabled ? "Disable" : "Enable",
      )}</td>
    </tr>
  `;
}

/** `/schedules`: Beat entries with their next fire times, enable/disable. */
export async function schedulesPage(ctx: PageContext): Promise<Page> {
  const entries = await ctx.app.schedules.list();
  const live = entries.length
    ? html`
      <div class="panel">
        <table>
          <thead>
            <tr>
              <th>Id</th>
              <th>Task</th>
              <th>Spec</th>
              <th>State</th>
              <th>Next fires</th>
              <th>Last fire</th>
              <th class="num">Runs</th>
              <th>Last error</th>
              <th></th>
            </tr>
          </thead>
          <tbody>${entries.map((e) => row(ctx, e))}</tbody>
        </table>
      </div>
    `
    : html`
      <p
        class="muted">No schedule entries (add them with <code>stem schedule apply</code> or <code>app.beat.upsert()</code>).</p>
    `;
  return { title: "Schedules", nav: "schedules", live };
}
