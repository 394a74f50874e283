/**
 * `stem task show <id>` and `stem task enqueue <name>`.
 *
 * @module
 */
import type { JsonValue } from "../../src/core/envelope.ts";
import { taskView } from "../../src/inspect/task_view.ts";
import { integerFlag, stringFlag, UsageError } from "./args.ts";
import type { Command, CommandGroup } from "./command.ts";
import { ExitCode, printJson } from "./output.ts";
import { durationFlag, jsonFlag, STORE_DETAILS, STORE_OPTIONS, withApp } from "./store_flags.ts";

/** `stem task show`. */
export const taskShowCommand: Command = {
  name: "show",
  summary: "Show a task's state, attempt, result or error, progress and timestamps.",
  details: STORE_DETAILS,
  positionals: { names: ["task-id"] },
  options: { ...STORE_OPTIONS },
  async run({ values, positionals }, context) {
    const [id] = positionals;
    await withApp(values, context, async (app) => {
      const status = await app.stem.getTaskStatus(id);
      if (!status) throw new UsageError(`No task "${id}" (its status may have expired)`);
      const view = await taskView(app.stem, status);
      if (values.json) return printJson(context.io, view);
      const lines: [string, unknown][] = [
        ["id", view.id],
        ["name", view.name],
        ["state", view.state],
        ["attempt", view.attempt],
        ["result", view.result],
        ["error", view.error ? `${view.error.type}: ${view.error.message}` : null],
        ["progress", view.progress],
        ["meta", view.meta],
        ["times", view.timestamps],
      ];
      for (const [key, value] of lines) {
        if (value === null || value === undefined) continue;
        context.io.out(
          `${key.padEnd(8)} ${typeof value === "string" ? value : JSON.stringify(value)}`,
        );
      }
    });
  },
};

/** `stem task enqueue`. */
export const taskEnqueueCommand: Command = {
  name: "enqueue",
  summary: "Enqueue a task by name and print its id (optionally wait for its result).",
  details: `The task need not be registered here: a worker that has it runs it. ${STORE_DETAILS}`,
  positionals: { names: ["name"] },
  options: {
    ...STORE_OPTIONS,
    args: { type: "string", valueName: "JSON", description: "Arguments, a JSON object." },
    queue: { type: "string", valueName: "NAME", description: "Queue (default the task's)." },
    priority: { type: "string", valueName: "N", description: "Priority 0-9." },
    delay: {
      type: "string",
      valueName: "DURATION",
      description: "Run no earlier than this from now.",
    },
    wait: {
      type: "string",
      valueName: "DURATION",
      description: "Wait this long for the result and print it; exit 70 if it failed.",
    },
  },
  async run({ values, positionals }, context) {
    const [name] = positionals;
    const args = jsonFlag(values, "args") ?? {};
    if (typeof args !== "object" || args === null || Array.isArray(args)) {
      throw new UsageError('--args must be a JSON object, e.g. \'{"name":"Ada"}\'');
    }
    const wait = durationFlag(values, "wait");
    const delay = durationFlag(values, "delay");
    const priority = integerFlag(values, "priority", 0);
    const queue = stringFlag(values, "queue");
    return await withApp(values, context, async (app) => {
      const id = await app.stem.enqueue(name, {
        args: args as Record<string, JsonValue>,
        options: { ...(queue ? { queue } : {}), ...(priority !== undefined ? { priority } : {}) },
        enqueueOptions: delay !== undefined ? { countdown: delay } : undefined,
      });
      if (wait === undefined) {
        if (values.json) printJson(context.io, { id });
        else context.io.out(id);
        return ExitCode.ok;
      }
      const result = await app.stem.waitForTask(id, { timeout: wait });
      const view = result.status
        ? await taskView(app.stem, result.status)
        : { id, state: "timeout" };
      if (values.json) printJson(context.io, view);
      else {context.io.out(
          `${id} ${view.state}${"result" in view ? ` ${JSON.stringify(view.result)}` : ""}`,
        );}
      return result.isSucceeded ? ExitCode.ok : ExitCode.runtime;
    });
  },
};

/** `stem task revoke`. */
export const taskRevokeCommand: Command = {
  name: "revoke",
  summary: "Revoke a task: never run it, or with --terminate abort it if running.",
  details: `Persisted: workers that start later honour it; running workers read revocations every
second. A task that has not started is marked cancelled at once. ${STORE_DETAILS}`,
  positionals: { names: ["task-id"] },
  options: {
    ...STORE_OPTIONS,
    terminate: { type: "boolean", description: "Also abort the task if a worker is running it." },
    reason: {
      type: "string",
      valueName: "TEXT",
      description: 'Recorded on its status (default "revoked").',
    },
    expires: {
      type: "string",
      valueName: "DURATION",
      description: "How long the revocation holds (default a day).",
    },
  },
  async run({ values, positionals }, context) {
    const [id] = positionals;
    const expires = durationFlag(values, "expires");
    const reason = stringFlag(values, "reason");
    await withApp(values, context, async (app) => {
      const entry = await app.revoke(id, { terminate: values.terminate === true, reason, expires });
      const status = await app.stem.getTaskStatus(id);
      const view = { ...entry, state: status?.state ?? null };
      if (values.json) return printJson(context.io, view);
      context.io.out(`revoked ${id}${entry.terminate ? " (terminate)" : ""}: ${entry.reason}`);
    });
  },
};

/** `stem task ...`. */
export const taskCommands: CommandGroup = {
  name: "task",
  summary: "Show, enqueue or revoke a task.",
  commands: [taskShowCommand, taskEnqueueCommand, taskRevokeCommand],
};
