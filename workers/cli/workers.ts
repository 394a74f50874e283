/**
 * `stem workers`: live workers from their heartbeats, with online/offline state (offline after
 * two missed heartbeats), in-flight counts and queues.
 *
 * @module
 */
import { workerOverview } from "../../src/inspect/worker_overview.ts";
import type { Command } from "./command.ts";
import { printJson, printTable } from "./output.ts";
import { STORE_DETAILS, STORE_OPTIONS, withApp } from "./store_flags.ts";

/** `stem workers`. */
export const workersCommand: Command = {
  name: "workers",
  summary: "List workers from their heartbeats: online or offline, in flight, queues.",
  details: STORE_DETAILS,
  options: { ...STORE_OPTIONS },
  async run({ values }, context) {
    await withApp(values, context, async (app) => {
      const workers = await workerOverview(app.stores.heartbeats, Date.now());
      if (values.json) return printJson(context.io, workers);
      printTable(
        context.io,
        ["WORKER", "STATE", "SEEN", "INFLIGHT", "QUEUES"],
        workers.map((w) => [
          w.workerId,
          w.online ? "online" : "offline",
          `${Math.round(w.ageMs / 1000)}s ago`,
          w.inflight,
          w.queues.join(","),
        ]),
        "(no workers)",
      );
    });
  },
};
