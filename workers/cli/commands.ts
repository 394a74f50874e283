/**
 * Every `stem` command, in help order. Add a command group by adding its file and one entry
 * here; keep heavy imports inside `run` so `stem --help` stays fast.
 *
 * @module
 */
import type { CommandEntry } from "./command.ts";
import { dashboardCommand } from "./dashboard.ts";
import { dlqCommands } from "./dlq.ts";
import { healthCommand } from "./health.ts";
import { keysCommands } from "./keys.ts";
import { observeCommand } from "./observe.ts";
import { queuesCommand } from "./queues.ts";
import { beatCommand, scheduleCommands } from "./schedule.ts";
import { redisHttpCommand } from "./redis_http.ts";
import { taskCommands } from "./task.ts";
import { workerCommand } from "./worker.ts";
import { workersCommand } from "./workers.ts";
import { workflowCommands } from "./workflow.ts";

/** The registry the dispatcher reads. */
export const COMMANDS: readonly CommandEntry[] = [
  workerCommand,
  workersCommand,
  healthCommand,
  queuesCommand,
  observeCommand,
  taskCommands,
  dlqCommands,
  beatCommand,
  scheduleCommands,
  redisHttpCommand,
  keysCommands,
  workflowCommands,
  dashboardCommand,
];
