/**
 * `stem dlq list | show | replay | purge`: the dead-letter queue of one queue.
 *
 * @module
 */
import type { DeadLetterEntry } from "../../src/broker/dead_letter_store.ts";
import { integerFlag, UsageError } from "./args.ts";
import type { Command, CommandGroup } from "./command.ts";
import { type CliIo, printJson, printTable } from "./output.ts";
import {
  durationFlag,
  queueFlag,
  STORE_DETAILS,
  STORE_OPTIONS,
  timeFlag,
  withApp,
} from "./store_flags.ts";

const QUEUE_OPTION = {
  queue: {
    type: "string",
    valueName: "NAME",
    description: "The queue (default $STEM_DEFAULT_QUEUE, else default).",
  },
} as const;

function entryJson(entry: DeadLetterEntry) {
  return {
    id: entry.envelope.id,
    name: entry.envelope.name,
    queue: entry.envelope.queue,
    attempt: entry.envelope.attempt,
    reason: entry.reason,
    deadAt: new Date(entry.deadAt).toISOString(),
    meta: entry.meta,
  };
}

function printEntries(io: CliIo, entries: DeadLetterEntry[]): void {
  printTable(
    io,
    ["ID", "TASK", "ATTEMPT", "REASON", "DEAD AT", "ERROR"],
    entries.map((e) => [
      e.envelope.id,
      e.envelope.name,
      e.envelope.attempt,
      e.reason,
      new Date(e.deadAt).toISOString(),
      typeof e.meta.error === "string" ? e.meta.error : "",
    ]),
    "(no dead letters)",
  );
}

/** `stem dlq list`. */
export const dlqListCommand: Command = {
  name: "list",
  summary: "List dead-lettered tasks of a queue, newest first.",
  details: STORE_DETAILS,
  options: {
    ...STORE_OPTIONS,
    ...QUEUE_OPTION,
    limit: { type: "string", valueName: "N", description: "Page size (default 50)." },
    offset: { type: "string", valueName: "N", description: "Entries to skip (default 0)." },
  },
  async run({ values }, context) {
    const queue = queueFlag(values, context);
    const limit = integerFlag(values, "limit", 1) ?? 50;
    const offset = integerFlag(values, "offset", 0) ?? 0;
    await withApp(values, context, async (app) => {
      const page = await app.deadLetters.listDeadLetters(queue, { limit, offset });
      if (values.json) {
        return printJson(context.io, {
          queue,
          entries: page.entries.map(entryJson),
          nextOffset: page.nextOffset,
        });
      }
      printEntries(context.io, page.entries);
      if (page.nextOffset !== null) context.io.out(`more: --offset ${page.nextOffset}`);
    });
  },
};

/** `stem dlq show <task-id>`. */
export const dlqShowCommand: Command = {
  name: "show",
  summary: "Show one dead-lettered task: reason, error, arguments and headers.",
  details: STORE_DETAILS,
  positionals: { names: ["task-id"] },
  options: { ...STORE_OPTIONS, ...QUEUE_OPTION },
  async run({ values, positionals }, context) {
    const queue = queueFlag(values, context);
    const [id] = positionals;
    return await withApp(values, context, async (app) => {
      const entry = await app.deadLetters.getDeadLetter(queue, id);
      if (!entry) {
        throw new UsageError(`No dead letter "${id}" in queue "${queue}" (see "stem dlq list")`);
      }
      const view = {
        ...entryJson(entry),
        args: entry.envelope.args,
        headers: entry.envelope.headers,
      };
      if (values.json) return printJson(context.io, view);
      for (const [key, value] of Object.entries(view)) {
        context.io.out(
          `${key.padEnd(8)} ${typeof value === "string" ? value : JSON.stringify(value)}`,
        );
      }
    });
  },
};

/** `stem dlq replay`. */
export const dlqReplayCommand: Command = {
  name: "replay",
  summary: "Put dead-lettered tasks back on their queue (attempts reset).",
  details: STORE_DETAILS,
  options: {
    ...STORE_OPTIONS,
    ...QUEUE_OPTION,
    limit: { type: "string", valueName: "N", description: "At most this many (default 50)." },
    since: {
      type: "string",
      valueName: "TIME",
      description: 'Only those dead since an ISO date or a duration ago ("1h").',
    },
    delay: {
      type: "string",
      valueName: "DURATION",
      description: "Run them this long from now (default at once).",
    },
    "dry-run": { type: "boolean", description: "Show what would be replayed; change nothing." },
  },
  async run({ values }, context) {
    const queue = queueFlag(values, context);
    const limit = integerFlag(values, "limit", 1) ?? 50;
    const since = timeFlag(values, "since", Date.now());
    const delay = durationFlag(values, "delay");
    const dryRun = values["dry-run"] === true;
    await withApp(values, context, async (app) => {
      const result = await app.deadLetters.replayDeadLetters(queue, {
        limit,
        since,
        delay,
        dryRun,
      });
      if (values.json) {
        return printJson(context.io, { queue, dryRun, entries: result.entries.map(entryJson) });
      }
      printEntries(context.io, result.entries);
      const verb = dryRun ? "would replay" : "replayed";
      context.io.out(`${verb} ${result.entries.length} task(s) on ${queue}`);
    });
  },
};

/** `stem dlq purge`. */
export const dlqPurgeCommand: Command = {
  name: "purge",
  summary: "Delete dead-lettered tasks of a queue (all, or those dead since a time).",
  details: STORE_DETAILS,
  options: {
    ...STORE_OPTIONS,
    ...QUEUE_OPTION,
    since: {
      type: "string",
      valueName: "TIME",
      description: 'Only those dead since an ISO date or a duration ago ("1h").',
    },
    limit: { type: "string", valueName: "N", description: "At most this many." },
  },
  async run({ values }, context) {
    const queue = queueFlag(values, context);
    const since = timeFlag(values, "since", Date.now());
    const limit = integerFlag(values, "limit", 1);
    await withApp(values, context, async (app) => {
      const purged = await app.deadLetters.purgeDeadLetters(queue, { since, limit });
      if (values.json) return printJson(context.io, { queue, purged });
      context.io.out(`purged ${purged} dead letter(s) from ${queue}`);
    });
  },
};

/** `stem dlq ...`. */
export const dlqCommands: CommandGroup = {
  name: "dlq",
  summary: "List, show, replay and purge dead-lettered tasks.",
  commands: [dlqListCommand, dlqShowCommand, dlqReplayCommand, dlqPurgeCommand],
};
