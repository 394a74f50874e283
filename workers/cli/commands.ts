/**
 * Every `stem` command, in help order. Add a command group by adding its file and one entry
 * here; keep heavy imports inside `run` so `stem --help` stays fast.
 *
 * @module
 */
import type { CommandEntry } from "./command.ts";
import { keysCommands } from "./keys.ts";
import { redisHttpCommand } from "./redis_http.ts";
import { workerCommand } from "./worker.ts";
import { workflowCommands } from "./workflow.ts";

/** The registry the dispatcher reads. */
export const COMMANDS: readonly CommandEntry[] = [
  workerCommand,
  redisHttpCommand,
  keysCommands,
  workflowCommands,
];
