/**
 * `stem wf …`: start, list, inspect, cancel, rewind and signal workflow runs in the store behind
 * a broker URL. The commands are a producer: they need no workflow definitions; workers that
 * define the workflows execute what these commands enqueue.
 *
 * @module
 */
import { RUN_STATUSES, type RunState, type RunStatus } from "../../src/workflow/run_state.ts";
import { workflowParams } from "../../src/workflow/runtime_metadata.ts";
import { readVariable } from "../runtime/env.ts";
import type { OptionSpecs, OptionValues } from "./args.ts";
import { stringFlag, UsageError } from "./args.ts";
import type { Command, CommandContext, CommandGroup } from "./command.ts";
import { printJson } from "./output.ts";

const COMMON: OptionSpecs = {
  broker: {
    type: "string",
    valueName: "URL",
    description: "Store URL (default $STEM_BROKER_URL): redis://, postgres://, sqlite:<path>.",
  },
  json: { type: "boolean", description: "Print JSON." },
};

type WorkflowApp = import("../../workflow_app.ts").StemWorkflowApp;

async function withApp<T>(
  values: OptionValues,
  context: CommandContext,
  fn: (app: WorkflowApp) => Promise<T>,
): Promise<T> {
  const url = stringFlag(values, "broker") ?? readVariable(context.env, "STEM_BROKER_URL");
  if (!url) throw new UsageError("No store: pass --broker URL or set STEM_BROKER_URL.");
  try {
    const parsed = new URL(url);
    if (parsed.password) context.secrets.add(parsed.password);
  } catch { /* sqlite:<path> is not a URL with a password */ }
  const { StemWorkflowApp } = await import("../../workflow_app.ts");
  const app = await StemWorkflowApp.fromUrl(url, { autoStart: false, allowUnregistered: true });
  try {
    return await fn(app);
  } finally {
    await app.shutdown();
  }
}

function jsonFlag(values: OptionValues, name: string): unknown {
  const raw = stringFlag(values, name);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    throw new UsageError(`--${name} is not valid JSON: ${raw}`);
  }
}

function line(run: RunState): string {
  return `${run.id}  ${run.status.padEnd(9)}  ${run.workflow}  cursor=${run.cursor}` +
    (run.waitTopic ? `  waiting on ${run.waitTopic}` : "");
}

const start: Command = {
  name: "start",
  summary: "Start a run of a workflow; prints its run id.",
  options: {
    ...COMMON,
    params: { type: "string", valueName: "JSON", description: "Params object (default {})." },
  },
  positionals: { names: ["name"] },
  run: ({ values, positionals }, ctx) =>
    withApp(values, ctx, async (app) => {
      const params = jsonFlag(values, "params") ?? {};
      if (params === null || typeof params !== "object" || Array.isArray(params)) {
        throw new UsageError("--params must be a JSON object.");
      }
      const runId = await app.startWorkflow(positionals[0], params as Record<string, unknown>);
      if (values.json) printJson(ctx.io, { runId });
      else ctx.io.out(runId);
    }),
};

const ls: Command = {
  name: "ls",
  summary: "List runs, newest first.",
  options: {
    ...COMMON,
    status: { type: "string", valueName: "STATUS", description: RUN_STATUSES.join(" | ") },
    workflow: { type: "string", valueName: "NAME", description: "Only runs of this workflow." },
  },
  run: ({ values }, ctx) =>
    withApp(values, ctx, async (app) => {
      const status = stringFlag(values, "status");
      if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
        throw new UsageError(`Unknown status "${status}": use ${RUN_STATUSES.join(", ")}`);
      }
      const runs = await app.listRuns({
        status: status as RunStatus | undefined,
        workflow: stringFlag(values, "workflow"),
      });
      if (values.json) return printJson(ctx.io, runs);
      for (const run of runs) ctx.io.out(line(run));
    }),
};

const show: Command = {
  name: "show",
  summary: "Show one run and its checkpoints.",
  options: COMMON,
  positionals: { names: ["runId"] },
  run: ({ values, positionals }, ctx) =>
    withApp(values, ctx, async (app) => {
      const run = await app.getRun(positionals[0]);
      if (!run) {
        ctx.io.err(`No workflow run has id "${positionals[0]}".`);
        return 1;
      }
      const steps = await app.listSteps(run.id);
      if (values.json) return printJson(ctx.io, { run, steps });
      ctx.io.out(line(run));
      ctx.io.out(`params: ${JSON.stringify(workflowParams(run))}`);
      if (run.status === "completed") ctx.io.out(`result: ${JSON.stringify(run.result)}`);
      if (run.lastError) ctx.io.out(`last error: ${run.lastError.error}`);
      for (const s of steps) ctx.io.out(`  ${s.name} = ${JSON.stringify(s.value)}`);
    }),
};

const cancel: Command = {
  name: "cancel",
  summary: "Cancel a run.",
  options: { ...COMMON, reason: { type: "string", valueName: "TEXT", description: "Why." } },
  positionals: { names: ["runId"] },
  run: ({ values, positionals }, ctx) =>
    withApp(values, ctx, async (app) => {
      await app.cancel(positionals[0], stringFlag(values, "reason") ?? "cancelled");
      if (values.json) printJson(ctx.io, { runId: positionals[0], status: "cancelled" });
      else ctx.io.out(`cancelled ${positionals[0]}`);
    }),
};

const rewind: Command = {
  name: "rewind",
  summary: "Re-run a run from a step (its checkpoints from there on are dropped).",
  options: { ...COMMON, step: { type: "string", valueName: "NAME", description: "The step." } },
  positionals: { names: ["runId"] },
  run: ({ values, positionals }, ctx) =>
    withApp(values, ctx, async (app) => {
      const step = stringFlag(values, "step");
      if (!step) throw new UsageError("Missing --step NAME.");
      await app.rewind(positionals[0], step);
      if (values.json) printJson(ctx.io, { runId: positionals[0], step });
      else ctx.io.out(`rewound ${positionals[0]} to ${step}; re-enqueued`);
    }),
};

const emit: Command = {
  name: "emit",
  summary: "Emit an event: resumes every run waiting on the topic.",
  options: {
    ...COMMON,
    payload: { type: "string", valueName: "JSON", description: "Event payload (default null)." },
  },
  positionals: { names: ["topic"] },
  run: ({ values, positionals }, ctx) =>
    withApp(values, ctx, async (app) => {
      const resumed = await app.emit(positionals[0], jsonFlag(values, "payload") ?? null);
      if (values.json) printJson(ctx.io, { topic: positionals[0], resumed });
      else ctx.io.out(`resumed ${resumed} run(s)`);
    }),
};

const waiters: Command = {
  name: "waiters",
  summary: "List runs waiting on events.",
  options: { ...COMMON, topic: { type: "string", valueName: "TOPIC", description: "One topic." } },
  run: ({ values }, ctx) =>
    withApp(values, ctx, async (app) => {
      const list = await app.listWatchers(stringFlag(values, "topic"));
      if (values.json) return printJson(ctx.io, list);
      for (const w of list) ctx.io.out(`${w.runId}  ${w.topic}  step=${w.stepName}`);
    }),
};

/** `stem wf …`. */
export const workflowCommands: CommandGroup = {
  name: "wf",
  summary: "Start, list, inspect, cancel, rewind and signal workflow runs.",
  commands: [start, ls, show, cancel, rewind, emit, waiters],
};
