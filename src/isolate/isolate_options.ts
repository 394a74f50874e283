import type { Duration } from "../core/duration.ts";
import type { IsolatedRunner } from "./isolated_runner.ts";

/**
 * The isolate pool of a worker: where tasks marked `isolation: "worker"` run, each in a Web
 * Worker or subprocess that loads `tasks` and is killed at the task's hard time limit.
 */
export interface IsolateOptions {
  /** The module the isolates load: it exports `tasks`, an array of task handlers. */
  tasks: URL | string;
  /** Isolates running at once (isolated tasks beyond it wait for one). @default 2 */
  size?: number;
  /** Recycle an isolate after this many tasks (Celery's `max_tasks_per_child`). @default no limit */
  maxTasksPerIsolate?: number;
  /**
   * Recycle an isolate whose memory, as it reports it after a task, passed this many megabytes
   * (Celery's `max_memory_per_child`): a subprocess reports its RSS, a Web Worker its heap.
   * @default no limit
   */
  maxIsolateMemory?: number;
  /** How long a task whose `ctx.signal` aborted may take to end before its isolate is killed. @default 200 */
  killGraceMs?: Duration;
  /** Start all `size` isolates when the worker starts, instead of on the first tasks. @default false */
  prestart?: boolean;
  /** How long a new isolate may take to load the tasks module. @default "30s" */
  startTimeout?: Duration;
  /**
   * The runtime's isolates. `StemApp` picks the one for the runtime (`workers/isolate/`): a Web
   * Worker on Bun, a `deno run` subprocess on Deno. A plain `Worker` needs it set.
   */
  runner?: IsolatedRunner | (() => Promise<IsolatedRunner>);
}

/** What an isolate pool reports in the worker's heartbeat. */
export interface IsolatePoolStats {
  /** Isolates allowed at once. */
  size: number;
  /** Running a task. */
  busy: number;
  /** Started and waiting for a task. */
  idle: number;
  /** Isolates started so far. */
  started: number;
  /** Retired by `maxTasksPerIsolate` or `maxIsolateMemory`. */
  recycled: number;
  /** Killed because a task outlived its hard limit's grace (or was revoked, or shut down). */
  killed: number;
  /** Exited by themselves while running or waiting. */
  crashed: number;
}
