/**
 * `stem beat` (run the scheduler) and `stem schedule list | show | apply | delete | enable |
 * disable | next`.
 *
 * @module
 */
import { JSON_SCHEMA, load as loadYaml } from "js-yaml";
import { redactUrl } from "../../src/core/adapter.ts";
import { systemClock } from "../../src/core/clock.ts";
import type { Beat } from "../../src/scheduler/beat.ts";
import { entryTiming } from "../../src/scheduler/fire_plan.ts";
import type { ScheduleEntry, ScheduleEntryInput } from "../../src/scheduler/schedule_entry.ts";
import { ScheduleSpecError } from "../../src/scheduler/schedule_error.ts";
import { readTextFile } from "../runtime/files.ts";
import { onShutdownSignal } from "../runtime/signals.ts";
import { integerFlag, stringFlag, UsageError } from "./args.ts";
import type { Command, CommandGroup } from "./command.ts";
import { type CliIo, printJson, printTable } from "./output.ts";
import { STORE_DETAILS, STORE_OPTIONS, withApp } from "./store_flags.ts";

const time = (
  t: number | null | undefined,
) => (t === null || t === undefined ? "-" : new Date(t).toISOString());

/**
 * Reads a schedule file, JSON or YAML (`.yaml`/`.yml`): an array of entries, or `{ entries: [...] }`
 * (`schedules:` also accepted), each validated.
 */
export async function readScheduleFile(path: string): Promise<ScheduleEntryInput[]> {
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (error) {
    throw new UsageError(`Cannot read the schedule file "${path}": ${(error as Error).message}`);
  }
  const yaml = /\.ya?ml$/i.test(path);
  let parsed: unknown;
  try {
    // JSON_SCHEMA: plain JSON types only, so `on`/`yes` or dates stay strings as in JSON.
    parsed = yaml ? loadYaml(text, { filename: path, schema: JSON_SCHEMA }) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(
      `The schedule file "${path}" is not ${yaml ? "YAML" : "JSON"}: ${(error as Error).message}`,
    );
  }
  const wrapped = parsed as { entries?: unknown; schedules?: unknown } | null;
  const entries = Array.isArray(parsed) ? parsed : wrapped?.entries ?? wrapped?.schedules;
  if (!Array.isArray(entries)) {
    throw new UsageError(
      `The schedule file "${path}" must hold a list of entries or { entries: [...] }.`,
    );
  }
  for (const [i, entry] of entries.entries()) {
    try {
      entryTiming(entry as ScheduleEntryInput);
    } catch (error) {
      if (error instanceof ScheduleSpecError) {
        throw new UsageError(
          `Entry ${i} (${(entry as { id?: string })?.id ?? "no id"}): ${error.message}`,
        );
      }
      throw error;
    }
  }
  return entries as ScheduleEntryInput[];
}

function printEntries(io: CliIo, entries: ScheduleEntry[]): void {
  printTable(
    io,
    ["ID", "TASK", "SPEC", "ENABLED", "NEXT", "LAST", "RUNS", "ERROR"],
    entries.map((e) => [
      e.id,
      e.task,
      typeof e.spec === "string" ? e.spec : JSON.stringify(e.spec),
      e.enabled === false ? "no" : "yes",
      time(e.nextRunAt),
      time(e.lastRunAt),
      e.totalRunCount,
      e.lastError ?? "",
    ]),
    "(no schedule entries)",
  );
}

/** `stem schedule list`. */
export const scheduleListCommand: Command = {
  name: "list",
  summary: "List schedule entries with their next and last fire.",
  details: STORE_DETAILS,
  options: { ...STORE_OPTIONS },
  async run({ values }, context) {
    await withApp(values, context, async (app) => {
      const entries = await app.schedules.list();
      if (values.json) return printJson(context.io, entries);
      printEntries(context.io, entries);
    });
  },
};

/** `stem schedule show <id>`. */
export const scheduleShowCommand: Command = {
  name: "show",
  summary: "Show one schedule entry with its history.",
  details: STORE_DETAILS,
  positionals: { names: ["id"] },
  options: { ...STORE_OPTIONS },
  async run({ values, positionals }, context) {
    await withApp(values, context, async (app) => {
      const entry = await app.schedules.get(positionals[0]);
      if (!entry) {
        throw new UsageError(`No schedule entry "${positionals[0]}" (see "stem schedule list")`);
      }
      if (values.json) return printJson(context.io, entry);
      for (const [key, value] of Object.entries(entry)) {
        const shown = key.endsWith("At") && typeof value === "number" ? time(value) : value;
        context.io.out(
          `${key.padEnd(14)} ${typeof shown === "string" ? shown : JSON.stringify(shown)}`,
        );
      }
    });
  },
};

/** `stem schedule apply <file>`. */
export const scheduleApplyCommand: Command = {
  name: "apply",
  summary: "Create or update the entries of a JSON or YAML schedule file.",
  details: `The file holds an array of entries (or { "entries": [...] }): { id, task, args, queue,
spec, enabled, timezone, catchUp, ... }. ${STORE_DETAILS}`,
  positionals: { names: ["file"] },
  options: {
    ...STORE_OPTIONS,
    "dry-run": {
      type: "boolean",
      description: "Validate and show what would change; write nothing.",
    },
  },
  async run({ values, positionals }, context) {
    const entries = await readScheduleFile(positionals[0]);
    await withApp(values, context, async (app) => {
      const rows: { id: string; action: string; nextRunAt: number | null }[] = [];
      for (const input of entries) {
        const current = await app.schedules.get(input.id);
        const action = current ? "update" : "create";
        if (values["dry-run"]) {
          rows.push({ id: input.id, action, nextRunAt: entryTiming(input).next(Date.now()) });
          continue;
        }
        const stored = await app.beat.upsert(input);
        rows.push({ id: input.id, action, nextRunAt: stored.nextRunAt });
      }
      if (values.json) {
        return printJson(context.io, { dryRun: values["dry-run"] === true, entries: rows });
      }
      printTable(
        context.io,
        ["ID", "ACTION", "NEXT"],
        rows.map((r) => [r.id, r.action, time(r.nextRunAt)]),
      );
      if (values["dry-run"]) context.io.out("dry run: nothing written");
    });
  },
};

function toggle(enabled: boolean): Command {
  return {
    name: enabled ? "enable" : "disable",
    summary: enabled
      ? "Enable an entry (it fires from now on)."
      : "Disable an entry (history kept).",
    details: STORE_DETAILS,
    positionals: { names: ["id"] },
    options: { ...STORE_OPTIONS },
    async run({ values, positionals }, context) {
      await withApp(values, context, async (app) => {
        const entry = await app.beat.setEnabled(positionals[0], enabled);
        if (!entry) throw new UsageError(`No schedule entry "${positionals[0]}"`);
        if (values.json) return printJson(context.io, entry);
        context.io.out(
          `${entry.id} ${enabled ? "enabled" : "disabled"}; next ${time(entry.nextRunAt)}`,
        );
      });
    },
  };
}

/** `stem schedule delete <id>`. */
export const scheduleDeleteCommand: Command = {
  name: "delete",
  summary: "Delete a schedule entry.",
  details: STORE_DETAILS,
  positionals: { names: ["id"] },
  options: { ...STORE_OPTIONS },
  async run({ values, positionals }, context) {
    await withApp(values, context, async (app) => {
      const removed = await app.schedules.remove(positionals[0]);
      if (!removed) throw new UsageError(`No schedule entry "${positionals[0]}"`);
      if (values.json) return printJson(context.io, { id: positionals[0], deleted: true });
      context.io.out(`deleted ${positionals[0]}`);
    });
  },
};

/** `stem schedule next <id|spec>`. */
export const scheduleNextCommand: Command = {
  name: "next",
  summary: "Print the next fire times of an entry, or of a spec given as text or JSON.",
  details: `Examples: stem schedule next nightly --count 5;  stem schedule next "*/15 * * * *";
stem schedule next '{"event":"sunrise","latitude":52.5,"longitude":13.4}'. A spec needs no store.`,
  positionals: { names: ["id-or-spec"] },
  options: {
    ...STORE_OPTIONS,
    count: { type: "string", valueName: "N", description: "How many (default 5)." },
    timezone: {
      type: "string",
      valueName: "ZONE",
      description: 'Time zone of a spec (default "UTC").',
    },
  },
  async run({ values, positionals }, context) {
    const count = integerFlag(values, "count", 1) ?? 5;
    const [text] = positionals;
    const list = (next: (after: number) => number | null) => {
      const out: number[] = [];
      let t: number | null = systemClock.now();
      while (out.length < count && (t = next(t)) !== null) out.push(t);
      return out;
    };
    const looksLikeSpec = text.startsWith("{") || /\s/.test(text.trim());
    let fires: number[];
    if (looksLikeSpec) {
      let spec: unknown = text;
      if (text.startsWith("{")) {
        try {
          spec = JSON.parse(text);
        } catch (error) {
          throw new UsageError(`The spec is not JSON: ${(error as Error).message}`);
        }
      }
      const zone = stringFlag(values, "timezone");
      try {
        const timing = entryTiming({ id: "cli", task: "cli", spec: spec as never, timezone: zone });
        fires = list((after) => timing.next(after));
      } catch (error) {
        if (error instanceof ScheduleSpecError) throw new UsageError(error.message);
        throw error;
      }
    } else {
      fires = await withApp(values, context, async (app) => {
        const entry = await app.schedules.get(text);
        if (!entry) throw new UsageError(`No schedule entry "${text}" (and it is not a spec)`);
        const timing = entryTiming(entry);
        return list((after) => timing.next(after));
      });
    }
    if (values.json) return printJson(context.io, fires.map((t) => new Date(t).toISOString()));
    for (const t of fires) context.io.out(time(t));
  },
};

/** `stem schedule ...`. */
export const scheduleCommands: CommandGroup = {
  name: "schedule",
  summary: "List, show, apply, enable, disable and delete Beat schedule entries.",
  commands: [
    scheduleListCommand,
    scheduleShowCommand,
    scheduleApplyCommand,
    toggle(true),
    toggle(false),
    scheduleDeleteCommand,
    scheduleNextCommand,
  ],
};

/** `stem beat`. */
export const beatCommand: Command = {
  name: "beat",
  summary:
    "Run the Beat scheduler: dispatch schedule entries' fires (any number of Beats may run).",
  details: `With --schedule FILE, the file's entries are applied first. SIGTERM/SIGINT stop it after
the dispatch in progress. ${STORE_DETAILS}`,
  options: {
    ...STORE_OPTIONS,
    schedule: {
      type: "string",
      valueName: "FILE",
      description: "A JSON or YAML schedule file to apply at start.",
    },
  },
  async run({ values }, context) {
    const file = stringFlag(values, "schedule");
    const entries = file ? await readScheduleFile(file) : [];
    await withApp(values, context, async (app) => {
      const beat: Beat = app.beat;
      for (const entry of entries) await beat.upsert(entry);
      await beat.start();
      const url = stringFlag(values, "broker") ?? "the configured broker";
      context.io.out(
        `[stem] beat ${beat.id} dispatching on ${redactUrl(url)} (${
          (await app.schedules.list()).length
        } entries)`,
      );
      await new Promise<void>((resolve) => {
        let stopping = false;
        // Never unlistened: under Deno, removing the listener lets the signal's default action
        // end the process with a signal status instead of exit code 0.
        onShutdownSignal((signal) => {
          if (stopping) return;
          stopping = true;
          context.io.out(`[stem] ${signal}: beat stopping`);
          resolve();
        });
      });
      await beat.stop();
      context.io.out(`[stem] beat ${beat.id} stopped`);
    });
  },
};
