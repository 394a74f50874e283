/**
 * `stem health`: probes every store of the configured broker and backend with a bounded read and
 * exits 70 when one fails.
 *
 * @module
 */
import { systemClock } from "../../src/core/clock.ts";
import { checkHealth } from "../../src/inspect/health_check.ts";
import { durationFlag, STORE_DETAILS, STORE_OPTIONS, withApp } from "./store_flags.ts";
import type { Command } from "./command.ts";
import { ExitCode, printJson, printTable } from "./output.ts";

/** `stem health`. */
export const healthCommand: Command = {
  name: "health",
  summary: "Check that the broker and result stores answer; exit 70 if one does not.",
  details: STORE_DETAILS,
  options: {
    ...STORE_OPTIONS,
    timeout: {
      type: "string",
      valueName: "DURATION",
      description: 'How long each probe may take (default "5s").',
    },
  },
  async run({ values }, context) {
    const timeoutMs = durationFlag(values, "timeout") ?? 5_000;
    const { io } = context;
    return await withApp(values, context, async (app) => {
      const report = await checkHealth(app.stores, { clock: systemClock, timeoutMs });
      if (values.json) printJson(io, report);
      else {
        printTable(
          io,
          ["STORE", "OK", "LATENCY", "ERROR"],
          report.probes.map((
            p,
          ) => [p.store, p.ok ? "yes" : "NO", `${p.latencyMs}ms`, p.error ?? ""]),
        );
        io.out(report.ok ? "healthy" : "unhealthy");
      }
      return report.ok ? ExitCode.ok : ExitCode.runtime;
    });
  },
};
