import type { Context, Hono } from "hono";
import type { JsonValue } from "../core/envelope.ts";
import { StemError } from "../core/errors.ts";
import type { DashboardApp } from "./dashboard_options.ts";
import type { DashboardControl, DashboardControlResult } from "./dashboard_control.ts";
import { replayOneDeadLetter } from "./replay_one.ts";

/** What the action routes need. */
export interface ActionDeps {
  /** The app acted on. */
  app: DashboardApp;
  /** Path prefix of redirects. */
  base: string;
  /** May the enqueue form send this task? */
  mayEnqueue: (name: string) => boolean;
  /** Queue pause/resume, when wired. */
  control: DashboardControl | undefined;
  /** Time source (purge windows). */
  now: () => number;
}

/** A refused action: the user is sent back with the message. */
class ActionError extends Error {}

type Form = Record<string, string>;

/** The form fields of a POST (files are ignored), read once by the CSRF check. */
export async function formOf(c: Context): Promise<Form> {
  const body = await c.req.parseBody();
  const out: Form = {};
  for (const [key, value] of Object.entries(body)) if (typeof value === "string") out[key] = value;
  return out;
}

function safeBack(back: string | undefined, fallback: string): string {
  // Only paths inside the dashboard: "//evil.example" or "https://..." would redirect away.
  return back && back.startsWith("/") && !back.startsWith("//") && !back.includes("\\")
    ? back
    : fallback;
}

function redirect(
  c: Context,
  deps: ActionDeps,
  path: string,
  key: "notice" | "error",
  text: string,
) {
  const url = `${deps.base}${path}${path.includes("?") ? "&" : "?"}${key}=${
    encodeURIComponent(text)
  }`;
  return c.redirect(url, 303);
}

function parseArgs(text: string | undefined): Record<string, JsonValue> {
  let args: unknown;
  try {
    args = JSON.parse(text?.trim() || "{}");
  } catch (error) {
    throw new ActionError(`Arguments must be JSON: ${(error as Error).message}`);
  }
  if (typeof args !== "object" || args === null || Array.isArray(args)) {
    throw new ActionError('Arguments must be a JSON object, e.g. {"to": "ada@example.com"}.');
  }
  return args as Record<string, JsonValue>;
}

async function enqueue(deps: ActionDeps, form: Form): Promise<string> {
  const name = (form.name ?? "").trim();
  if (!name) throw new ActionError("Give the name of the task to enqueue.");
  if (!deps.mayEnqueue(name)) throw new ActionError(`The dashboard may not enqueue "${name}".`);
  const args = parseArgs(form.args);
  const queue = form.queue?.trim();
  const priority = form.priority?.trim() ? Number(form.priority) : undefined;
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 0 && priority <= 9)) {
    throw new ActionError(`Priority must be a whole number from 0 to 9, not "${form.priority}".`);
  }
  return await deps.app.stem.enqueue(name, {
    args,
    options: { ...(queue ? { queue } : {}), ...(priority !== undefined ? { priority } : {}) },
  });
}

/** Runs an action; a refused one (bad input, a Stem error) redirects back with its message. */
async function attempt(
  c: Context,
  deps: ActionDeps,
  back: string,
  work: () => Promise<[string, string]>,
): Promise<Response> {
  try {
    const [path, message] = await work();
    return redirect(c, deps, path, "notice", message);
  } catch (error) {
    if (error instanceof ActionError || error instanceof StemError || error instanceof TypeError) {
      return redirect(c, deps, back, "error", error.message);
    }
    throw error;
  }
}

/** Registers the POST routes. The CSRF and auth checks run before them (see `stemDashboard`). */
export function registerActions(
  app: Hono<{ Variables: { form: Form } }>,
  deps: ActionDeps,
): void {
  const form = (c: Context<{ Variables: { form: Form } }>) => c.get("form");
  app.post("/tasks", (c) =>
    attempt(c, deps, "/tasks", async () => {
      const id = await enqueue(deps, form(c));
      return [`/tasks/${encodeURIComponent(id)}`, `Enqueued ${form(c).name} as ${id}.`];
    }));
  app.post("/tasks/:id/revoke", (c) => {
    const id = c.req.param("id");
    const self = `/tasks/${encodeURIComponent(id)}`;
    return attempt(c, deps, self, async () => {
      const f = form(c);
      const entry = await deps.app.revoke(id, {
        terminate: f.terminate === "1",
        ...(f.reason?.trim() ? { reason: f.reason.trim() } : {}),
      });
      return [self, `Revoked${entry.terminate ? " (terminate)" : ""}: ${entry.reason}.`];
    });
  });
  app.post("/dead-letters/replay", (c) => {
    const f = form(c);
    const back = safeBack(f.back, "/dead-letters");
    return attempt(c, deps, back, async () => {
      const result = await replayOneDeadLetter(deps.app.deadLetters, f.queue ?? "", f.id ?? "");
      if (!result.replayed) throw new ActionError(result.reason);
      return [back, `Replayed ${f.id} on ${f.queue}.`];
    });
  });
  app.post("/dead-letters/replay-all", (c) => {
    const f = form(c);
    const back = safeBack(f.back, "/dead-letters");
    return attempt(c, deps, back, async () => {
      const result = await deps.app.deadLetters.replayDeadLetters(f.queue ?? "", { limit: 100 });
      return [back, `Replayed ${result.entries.length} dead letter(s) of ${f.queue}.`];
    });
  });
  app.post("/dead-letters/purge", (c) => {
    const f = form(c);
    const back = safeBack(f.back, "/dead-letters");
    return attempt(c, deps, back, async () => {
      if (f.confirm !== "yes") throw new ActionError("Tick the confirmation box to purge.");
      const within = Number(f.within);
      const since = f.within && within > 0 ? deps.now() - within : undefined;
      const purged = await deps.app.deadLetters.purgeDeadLetters(f.queue ?? "", { since });
      return [back, `Purged ${purged} dead letter(s) of ${f.queue}.`];
    });
  });
  for (const enabled of [true, false]) {
    app.post(
      `/schedules/:id/${enabled ? "enable" : "disable"}`,
      (c) =>
        attempt(c, deps, "/schedules", async () => {
          const id = c.req.param("id");
          const entry = await deps.app.beat.setEnabled(id, enabled);
          if (!entry) throw new ActionError(`No schedule entry "${id}".`);
          return ["/schedules", `${enabled ? "Enabled" : "Disabled"} ${id}.`];
        }),
    );
  }
  const control = deps.control;
  if (!control) return;
  registerWorkerActions(app, deps, control);
  // The queue-control seam (see dashboard_control.ts): routes exist only when control is wired.
  for (const verb of ["pause", "resume"] as const) {
    app.post(`/queues/:queue/${verb}`, (c) => {
      const queue = c.req.param("queue");
      const self = `/queues/${encodeURIComponent(queue)}`;
      return attempt(c, deps, self, async () => {
        await control[verb](queue);
        return [self, `${verb === "pause" ? "Paused" : "Resumed"} ${queue}.`];
      });
    });
  }
}

function answered(verb: string, workerId: string, result: DashboardControlResult): string {
  const reply = result.replies.find((r) => r.workerId === workerId);
  if (!reply) throw new ActionError(`${workerId} did not answer the ${verb} in time.`);
  if (!reply.ok) throw new ActionError(`${workerId} could not carry out the ${verb}.`);
  return verb === "ping" ? `${workerId} answered.` : `${workerId} is shutting down.`;
}

function registerWorkerActions(
  app: Hono<{ Variables: { form: Form } }>,
  deps: ActionDeps,
  control: DashboardControl,
): void {
  const { ping, shutdown } = control;
  if (ping) {
    app.post("/workers/:id/ping", (c) =>
      attempt(c, deps, "/workers", async () => {
        const id = c.req.param("id");
        const result = await ping.call(control, { targets: [id] });
        return ["/workers", answered("ping", id, result)];
      }));
  }
  if (shutdown) {
    app.post("/workers/:id/shutdown", (c) =>
      attempt(c, deps, "/workers", async () => {
        const id = c.req.param("id");
        const mode = c.get("form").mode ?? "warm";
        if (mode !== "warm" && mode !== "soft" && mode !== "hard") {
          throw new ActionError(`Shutdown mode must be warm, soft or hard, not "${mode}".`);
        }
        const result = await shutdown.call(control, { targets: [id], mode });
        return ["/workers", answered("shutdown", id, result)];
      }));
  }
}
