/**
 * `stem observe`: a live terminal view of queues (pending, in flight, delayed, dead, paused) and
 * workers (online, in flight, queues), redrawn every `--interval`; `--once` prints one frame.
 *
 * @module
 */
import process from "node:process";
import type { StemApp } from "../../app.ts";
import { toMillis } from "../../src/core/duration.ts";
import { queueOverview } from "../../src/inspect/queue_overview.ts";
import { workerOverview } from "../../src/inspect/worker_overview.ts";
import { integerFlag, listFlag, stringFlag, UsageError } from "./args.ts";
import type { Command, CommandContext } from "./command.ts";
import { printJson, printTable } from "./output.ts";
import { queueFlag, STORE_DETAILS, STORE_OPTIONS, withApp } from "./store_flags.ts";
import { printWorkerTable } from "./workers.ts";

async function snapshot(app: StemApp, queues: string[]) {
  const now = Date.now();
  const [rows, workers, paused] = await Promise.all([
    queueOverview(app.stores, queues),
    workerOverview(app.stores.heartbeats, now),
    app.control.pausedQueues(),
  ]);
  const pausedSet = new Set(paused.map((p) => p.queue));
  return {
    at: new Date(now).toISOString(),
    queues: rows.map((r) => ({ ...r, paused: pausedSet.has(r.queue) })),
    workers,
  };
}

function draw(context: CommandContext, frame: Awaited<ReturnType<typeof snapshot>>): void {
  const online = frame.workers.filter((w) => w.online).length;
  context.io.out(`stem observe  ${frame.at}  workers ${online} online / ${frame.workers.length}`);
  context.io.out("");
  printTable(
    context.io,
    ["QUEUE", "PENDING", "INFLIGHT", "DELAYED", "DEAD", "WORKERS", "STATE"],
    frame.queues.map((q) => [
      q.queue,
      q.pending,
      q.inflight,
      q.delayed,
      q.dead,
      q.workers,
      q.paused ? "paused" : "active",
    ]),
    "(no queues)",
  );
  context.io.out("");
  printWorkerTable(context.io, frame.workers);
}

/** `stem observe`. */
export const observeCommand: Command = {
  name: "observe",
  summary: "Live view of queues and workers, redrawn every --interval (--once: one frame).",
  details: `Queues shown: those named with --queue, the default queue and every queue a live
worker consumes. Interrupt with Ctrl-C. ${STORE_DETAILS}`,
  options: {
    ...STORE_OPTIONS,
    queue: {
      type: "string",
      multiple: true,
      valueName: "NAME",
      description: "A queue to include; repeat it or use commas.",
    },
    once: { type: "boolean", description: "Print one frame and exit." },
    interval: {
      type: "string",
      valueName: "DURATION",
      description: 'Refresh interval, e.g. "2s" (default 2s).',
    },
    count: {
      type: "string",
      valueName: "N",
      description: "Stop after N frames (default: until interrupted).",
    },
  },
  async run({ values }, context) {
    const named = listFlag(values, "queue") ?? [queueFlag({}, context)];
    const text = stringFlag(values, "interval") ?? "2s";
    let intervalMs: number;
    try {
      intervalMs = toMillis(/^\d+$/.test(text) ? Number(text) : text as "2s");
    } catch {
      throw new UsageError(`--interval must be a duration such as "2s", not "${text}"`);
    }
    const frames = values.once ? 1 : integerFlag(values, "count", 1) ?? Infinity;
    // Redraw in place only on a terminal; piped output gets one frame after another.
    const redraw = !values.json && frames > 1 && process.stdout.isTTY === true;
    await withApp(values, context, async (app) => {
      for (let i = 0; i < frames; i++) {
        if (i > 0) await new Promise((resolve) => setTimeout(resolve, intervalMs));
        const frame = await snapshot(app, named);
        if (values.json) {
          printJson(context.io, frame);
          continue;
        }
        if (redraw) context.io.out("\x1b[2J\x1b[H");
        else if (i > 0) context.io.out("");
        draw(context, frame);
      }
    });
  },
};
