import { ErrorCode } from "../core/error_codes.ts";
import { StemError } from "../core/errors.ts";

/**
 * A value cannot cross the isolate boundary (a function, BigInt, symbol, cycle in args, result,
 * progress data or a child enqueue). The task fails without a retry: running it again would not
 * help.
 */
export class IsolateBoundaryError extends StemError {
  /** Creates the error for task `taskName`; `detail` says what and where. */
  constructor(taskName: string, detail: string) {
    super(
      ErrorCode.isolateUnserializable,
      `Task "${taskName}" runs isolated, and ${detail} Values crossing to and from an isolate ` +
        "must be plain JSON.",
    );
  }
}

/** The isolate running a task exited before the task finished; the task is retried per policy. */
export class IsolateCrashedError extends StemError {
  /** Creates the error for task `taskName`; `why` is the runner's account of the exit. */
  constructor(taskName: string, why: string, options: { cause?: unknown } = {}) {
    super(
      ErrorCode.isolateCrashed,
      `The isolate running task "${taskName}" exited before the task finished (${why}); ` +
        "a fresh isolate takes the next task.",
      options,
    );
  }
}

/** An isolate could not start: its tasks module failed to load, or it never answered. */
export class IsolateStartError extends StemError {
  /** Creates the error; `why` names the cause. */
  constructor(tasks: string, why: string, options: { cause?: unknown } = {}) {
    super(
      ErrorCode.isolateStartFailed,
      `A task isolate could not start with the tasks module "${tasks}": ${why}. Check that the ` +
        'module loads on its own and exports "tasks" (an array of task handlers).',
      options,
    );
  }
}

/** A task is marked `isolation: "worker"` and the worker has no isolate pool to run it in. */
export class IsolationUnavailableError extends StemError {
  /** Creates the error for task `taskName`. */
  constructor(taskName: string) {
    super(
      ErrorCode.isolationUnavailable,
      `Task "${taskName}" is marked isolation: "worker", but this worker has no isolate pool. ` +
        'Pass isolate: { tasks: new URL("./tasks.ts", import.meta.url) } to the app or worker ' +
        "(or stem worker --isolates N).",
    );
  }
}
