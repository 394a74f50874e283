/**
 * `stem workers`: live workers from their heartbeats, with online/offline state (offline after
 * two missed heartbeats), in-flight counts and queues.
 *
 * @module
 */
import { type WorkerOverview, workerOverview } from "../../src/inspect/worker_overview.ts";
import type { Command } from "./command.ts";
import { type CliIo, printJson, printTable } from "./output.ts";
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
      printWorkerTable(context.io, workers);
    });
  },
};

/** The workers table of `stem workers`, `stem observe` and `stem worker status` (`stopping`: one more column). */
export function printWorkerTable(
  io: CliIo,
  workers: WorkerOverview[],
  options: { stopping?: boolean } = {},
): void {
  printTable(
    io,
    ["WORKER", "STATE", "SEEN", "INFLIGHT", "QUEUES", ...(options.stopping ? ["STOPPING"] : [])],
    workers.map((w) => [
      w.workerId,
      w.online ? "online" : "offline",
      `${Math.round(w.ageMs / 1000)}s ago`,
      w.inflight,
      w.queues.join(","),
      ...(options.stopping ? [w.extras.stopping === true ? "yes" : "no"] : []),
    ]),
    "(no workers)",
  );
}
