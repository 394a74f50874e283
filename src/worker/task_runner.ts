/** The task runner lives in `task_run/`, one stage per file; this keeps the old import path. */
export { TaskRun } from "./task_run/task_run.ts";
export type { RunnerDeps } from "./task_run/deps.ts";
