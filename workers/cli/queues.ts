/**
 * `stem queues`: pending, in-flight, delayed and dead messages per queue, for the queues named
 * and every queue a live worker consumes.
 *
 * @module
 */
import { queueOverview } from "../../src/inspect/queue_overview.ts";
import { listFlag } from "./args.ts";
import type { Command } from "./command.ts";
import { printJson, printTable } from "./output.ts";
import { queueFlag, STORE_DETAILS, STORE_OPTIONS, withApp } from "./store_flags.ts";

/** `stem queues`. */
export const queuesCommand: Command = {
  name: "queues",
  summary: "Show pending, in-flight, delayed and dead tasks per queue.",
  details: `Lists the queues given with --queue, the default queue and every queue a live worker
consumes (brokers keep no catalogue of queues). ${STORE_DETAILS}`,
  options: {
    ...STORE_OPTIONS,
    queue: {
      type: "string",
      multiple: true,
      valueName: "NAME",
      description: "A queue to include; repeat it or use commas.",
    },
  },
  async run({ values }, context) {
    const named = listFlag(values, "queue") ?? [queueFlag({}, context)];
    await withApp(values, context, async (app) => {
      const rows = await queueOverview(app.stores, named);
      if (values.json) return printJson(context.io, rows);
      printTable(
        context.io,
        ["QUEUE", "PENDING", "INFLIGHT", "DELAYED", "DEAD", "WORKERS"],
        rows.map((r) => [r.queue, r.pending, r.inflight, r.delayed, r.dead, r.workers]),
      );
    });
  },
};
