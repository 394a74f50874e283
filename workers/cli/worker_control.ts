/**
 * `stem worker ping | inspect | stats | revoke | pause | resume | shutdown | status`: remote
 * control of running workers over the store set's event bus (`app.control`). Every addressed
 * worker gets the command; replies are collected until `--timeout`, and a worker that did not
 * answer is named on stderr and makes the exit code 70.
 *
 * @module
 */
import type { StemApp } from "../../app.ts";
import type { ControlResult, ShutdownMode } from "../../src/control/control_api.ts";
import { SHUTDOWN_MODES } from "../../src/control/control_api.ts";
import { type Duration, toMillis } from "../../src/core/duration.ts";
import { workerOverview } from "../../src/inspect/worker_overview.ts";
import { integerFlag, listFlag, type OptionValues, stringFlag, UsageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";
import { ExitCode, printJson, printTable } from "./output.ts";
import { STORE_DETAILS, STORE_OPTIONS, withApp } from "./store_flags.ts";
import { printWorkerTable } from "./workers.ts";

const TARGET_OPTIONS = {
  ...STORE_OPTIONS,
  worker: {
    type: "string" as const,
    short: "w",
    multiple: true,
    valueName: "ID",
    description: "A worker id to address; repeat it or use commas (default: every worker).",
  },
  timeout: {
    type: "string" as const,
    valueName: "DURATION",
    description: 'How long replies are collected, e.g. "2s" or 500 (ms). Default 2s.',
  },
};

const DETAILS = `Commands travel over the store set's event bus (Redis pub/sub, Postgres
LISTEN/NOTIFY, SQLite polling) to every addressed worker. Without --worker, the workers whose
heartbeat is fresh are expected to answer. Exit 70 when an expected worker stays silent or a
worker answers with an error. ${STORE_DETAILS}`;

function durationFlag(values: OptionValues, name: string): Duration | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const value: Duration = /^\d+$/.test(text) ? Number(text) : text as Duration;
  try {
    toMillis(value);
  } catch {
    throw new UsageError(
      `--${name} must be a duration such as "2s", "500ms" or 1500, not "${text}"`,
    );
  }
  return value;
}

function targetOptions(values: OptionValues): { targets?: string[]; timeout?: Duration } {
  return { targets: listFlag(values, "worker"), timeout: durationFlag(values, "timeout") ?? "2s" };
}

/** Prints the silent workers and error replies on stderr; returns the exit code. */
function verdict<T>(context: CommandContext, result: ControlResult<T>): number {
  for (const id of result.missing) context.io.err(`warning: worker ${id} did not answer`);
  const failed = result.replies.filter((r) => !r.ok);
  for (const r of failed) context.io.err(`error: worker ${r.workerId}: ${r.error?.message}`);
  if (result.replies.length === 0 && result.missing.length === 0) {
    context.io.err("warning: no worker answered");
    return ExitCode.runtime;
  }
  return result.missing.length > 0 || failed.length > 0 ? ExitCode.runtime : ExitCode.ok;
}

function control(
  name: string,
  summary: string,
  body: (app: StemApp, values: OptionValues, context: CommandContext) => Promise<number>,
  extra: Command["options"] = {},
): Command {
  return {
    name,
    summary,
    details: DETAILS,
    options: { ...TARGET_OPTIONS, ...extra },
    async run({ values }, context) {
      return await withApp(values, context, (app) => body(app, values, context));
    },
  };
}

const ms = (n: number | null | undefined) => n === null || n === undefined ? "-" : `${n}ms`;

const ping = control("ping", "Ask workers to answer; list who did.", async (app, values, ctx) => {
  const result = await app.control.ping(targetOptions(values));
  if (values.json) printJson(ctx.io, result);
  else {
    printTable(
      ctx.io,
      ["WORKER", "STATUS", "INFLIGHT", "QUEUES"],
      result.replies.map((r) => [
        r.workerId,
        r.ok ? "ok" : "error",
        r.payload?.inflight ?? "-",
        r.payload?.queues.join(",") ?? "",
      ]),
      "(no replies)",
    );
  }
  return verdict(ctx, result);
});

const inspect = control(
  "inspect",
  "Running tasks (with lease age) and revocations per worker.",
  async (app, values, ctx) => {
    const result = await app.control.inspect(targetOptions(values));
    if (values.json) printJson(ctx.io, result);
    else {
      const rows: (string | number)[][] = [];
      for (const r of result.replies) {
        for (const t of r.payload?.running ?? []) {
          rows.push([
            r.workerId,
            t.id,
            t.name,
            t.queue,
            t.attempt,
            ms(t.runtimeMs),
            ms(t.leaseAgeMs),
          ]);
        }
      }
      printTable(
        ctx.io,
        ["WORKER", "TASK", "NAME", "QUEUE", "ATTEMPT", "RUNTIME", "LEASE AGE"],
        rows,
        "(no running tasks)",
      );
      const revoked = new Set(
        result.replies.flatMap((r) => r.payload?.revocations ?? []).map((e) => e.taskId),
      );
      if (revoked.size > 0) ctx.io.out(`revoked: ${[...revoked].join(", ")}`);
    }
    return verdict(ctx, result);
  },
);

const stats = control(
  "stats",
  "Concurrency, in flight per queue, paused queues, uptime, counters, memory per worker.",
  async (app, values, ctx) => {
    const result = await app.control.stats(targetOptions(values));
    if (values.json) printJson(ctx.io, result);
    else {
      printTable(
        ctx.io,
        ["WORKER", "CONCURRENCY", "INFLIGHT", "PROCESSED", "FAILED", "PAUSED", "UPTIME", "RSS"],
        result.replies.map((r) => {
          const s = r.payload;
          return [
            r.workerId,
            s?.concurrency ?? "-",
            s?.inflight ?? "-",
            s?.processed ?? "-",
            s?.failed ?? "-",
            s?.pausedQueues.join(",") || "-",
            s ? `${Math.round(s.uptimeMs / 1000)}s` : "-",
            s?.memory?.rss === undefined ? "-" : `${Math.round(s.memory.rss / 1048576)}MiB`,
          ];
        }),
        "(no replies)",
      );
    }
    return verdict(ctx, result);
  },
);

const QUEUE_OPTION = {
  queue: {
    type: "string" as const,
    short: "q",
    multiple: true,
    valueName: "NAME",
    description: "The queue; repeat it or use commas (required).",
  },
};

function queuesOf(values: OptionValues): string[] {
  const queues = listFlag(values, "queue");
  if (!queues) throw new UsageError("--queue is required");
  return queues;
}

/** Pause/resume succeed once persisted; silent workers are reported but read it within seconds. */
function queueVerdict<T>(ctx: CommandContext, result: ControlResult<T>): number {
  for (const id of result.missing) {
    ctx.io.err(`warning: worker ${id} did not answer (it re-reads pauses within seconds)`);
  }
  const failed = result.replies.filter((r) => !r.ok);
  for (const r of failed) ctx.io.err(`error: worker ${r.workerId}: ${r.error?.message}`);
  return failed.length > 0 ? ExitCode.runtime : ExitCode.ok;
}

const pause = control(
  "pause",
  "Pause queues (persisted): workers stop consuming them, in-flight tasks finish.",
  async (app, values, ctx) => {
    const queues = queuesOf(values);
    const result = await app.control.pause(queues, {
      ...targetOptions(values),
      reason: stringFlag(values, "reason"),
    });
    if (values.json) printJson(ctx.io, result);
    else ctx.io.out(`paused ${queues.join(", ")} (${result.replies.length} workers answered)`);
    return queueVerdict(ctx, result);
  },
  {
    ...QUEUE_OPTION,
    reason: { type: "string", valueName: "TEXT", description: "Why (stored with the pause)." },
  },
);

const resume = control(
  "resume",
  "Resume paused queues.",
  async (app, values, ctx) => {
    const queues = queuesOf(values);
    const result = await app.control.resume(queues, targetOptions(values));
    if (values.json) printJson(ctx.io, result);
    else ctx.io.out(`resumed ${queues.join(", ")} (${result.replies.length} workers answered)`);
    return queueVerdict(ctx, result);
  },
  QUEUE_OPTION,
);

const shutdown = control(
  "shutdown",
  "Stop workers: warm (finish in-flight), soft (hand back after --grace), hard (now).",
  async (app, values, ctx) => {
    const mode = (stringFlag(values, "mode") ?? "warm") as ShutdownMode;
    if (!SHUTDOWN_MODES.includes(mode)) {
      throw new UsageError(`--mode must be warm, soft or hard, not "${mode}"`);
    }
    const result = await app.control.shutdown({
      ...targetOptions(values),
      mode,
      grace: durationFlag(values, "grace"),
    });
    if (values.json) printJson(ctx.io, result);
    else {
      printTable(
        ctx.io,
        ["WORKER", "MODE", "INFLIGHT", "INITIATED"],
        result.replies.map((r) => [
          r.workerId,
          r.payload?.mode ?? "-",
          r.payload?.inflight ?? "-",
          r.payload ? String(r.payload.initiated) : "-",
        ]),
        "(no replies)",
      );
    }
    return verdict(ctx, result);
  },
  {
    mode: { type: "string", valueName: "MODE", description: "warm (default), soft or hard." },
    grace: {
      type: "string",
      valueName: "DURATION",
      description: "soft: how long in-flight tasks may run before they are handed back (30s).",
    },
  },
);

const revoke = control(
  "revoke",
  "Revoke tasks (persisted) and tell running workers at once.",
  async (app, values, ctx) => {
    const tasks = listFlag(values, "task");
    if (!tasks) throw new UsageError("--task is required");
    const results = [];
    let code: number = ExitCode.ok;
    for (const taskId of tasks) {
      const result = await app.control.revoke(taskId, {
        ...targetOptions(values),
        terminate: values.terminate === true,
        reason: stringFlag(values, "reason"),
        expires: durationFlag(values, "expires"),
      });
      results.push(result);
      const failed = result.replies.filter((r) => !r.ok);
      for (const r of failed) ctx.io.err(`error: worker ${r.workerId}: ${r.error?.message}`);
      if (failed.length > 0) code = ExitCode.runtime;
      if (!values.json) {
        const terminated = result.replies.filter((r) => r.payload?.terminated.length);
        ctx.io.out(
          `revoked ${taskId}${
            terminated.length
              ? ` (terminated on ${terminated.map((r) => r.workerId).join(", ")})`
              : ""
          }`,
        );
      }
    }
    if (values.json) printJson(ctx.io, results);
    return code;
  },
  {
    task: {
      type: "string",
      short: "t",
      multiple: true,
      valueName: "ID",
      description: "A task id to revoke; repeat it or use commas (required).",
    },
    terminate: { type: "boolean", description: "Also abort it where it is running." },
    reason: { type: "string", valueName: "TEXT", description: 'Why (default "revoked").' },
    expires: {
      type: "string",
      valueName: "DURATION",
      description: "How long the revocation holds (default a day).",
    },
  },
);

/** `stem worker status`: heartbeat freshness, once or refreshed with `--follow`. */
const status: Command = {
  name: "status",
  summary: "Worker heartbeats: online or offline, age, in flight; --follow refreshes.",
  details: STORE_DETAILS,
  options: {
    ...STORE_OPTIONS,
    follow: { type: "boolean", description: "Refresh every --interval until interrupted." },
    interval: {
      type: "string",
      valueName: "DURATION",
      description: "Refresh interval with --follow (default 2s).",
    },
    count: {
      type: "string",
      valueName: "N",
      description: "With --follow: stop after N refreshes (default: until interrupted).",
    },
  },
  async run({ values }, context) {
    const intervalMs = toMillis(durationFlag(values, "interval") ?? "2s");
    const count = values.follow ? integerFlag(values, "count", 1) ?? Infinity : 1;
    await withApp(values, context, async (app) => {
      for (let i = 0; i < count; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
        const workers = await workerOverview(app.stores.heartbeats, Date.now());
        if (values.json) {
          printJson(context.io, workers);
          continue;
        }
        if (values.follow) context.io.out(`-- ${new Date().toISOString()}`);
        printWorkerTable(context.io, workers, { stopping: true });
      }
    });
  },
};

/** The control subcommands of `stem worker`. */
export const workerControlCommands: Command[] = [
  ping,
  inspect,
  stats,
  revoke,
  pause,
  resume,
  shutdown,
  status,
];
