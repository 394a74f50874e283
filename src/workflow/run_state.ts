/** Where a workflow run is in its life. */
export type RunStatus = "running" | "suspended" | "completed" | "failed" | "cancelled";

/** Every {@link RunStatus}, for validating input such as `stem wf ls --status`. */
export const RUN_STATUSES: readonly RunStatus[] = [
  "running",
  "suspended",
  "completed",
  "failed",
  "cancelled",
];

/** True for a status a run never leaves (except by `rewindToStep`). */
export function isTerminalStatus(status: RunStatus): boolean {
  return status === "completed" || status === "failed" || status === "cancelled";
}

/** Limits after which a run is cancelled; durations in milliseconds. */
export interface CancellationPolicy {
  /** Longest time from `createdAt` to completion. */
  maxRunDuration?: number;
  /** Longest time one suspension (sleep or event wait) may last. */
  maxSuspendDuration?: number;
}

/** The last error a step raised. */
export interface RunError {
  /** The error's message (with its name). */
  error: string;
  /** Its stack, when known. */
  stack?: string;
  /** The error's `code` when it had one. */
  code?: string;
  /** Checkpoint of the step that threw (absent for an error outside any step). */
  step?: string;
  /** How many times in a row that step has failed, this failure included (its retry count). */
  attempt?: number;
}

/** The stored state of one workflow run. Times are epoch milliseconds. */
export interface RunState {
  /** Run id. */
  id: string;
  /** Workflow name. */
  workflow: string;
  /** Life-cycle status. */
  status: RunStatus;
  /** Count of distinct step names checkpointed (iterations of one step count once). */
  cursor: number;
  /** Parameters as stored, with the reserved `__stem.workflow.*` keys. */
  params: Record<string, unknown>;
  /** Result of a completed run; null otherwise. */
  result: unknown;
  /** Topic the run waits on; null when it waits on none. */
  waitTopic: string | null;
  /** When a sleeping (or deadline-bound) run becomes due; null when none. */
  resumeAt: number | null;
  /** The last step failure; null when none. */
  lastError: RunError | null;
  /** What the suspension (or its resolution) recorded; `{}` after completion. */
  suspensionData: Record<string, unknown> | null;
  /** Holder of the run lease; null when unclaimed. */
  ownerId: string | null;
  /** When the run lease lapses; null when unclaimed. */
  leaseExpiresAt: number | null;
  /** The run's cancellation limits; null when none. */
  cancellationPolicy: CancellationPolicy | null;
  /** Why and when the run was cancelled; null unless cancelled. */
  cancellationData: Record<string, unknown> | null;
  /** Creation time. */
  createdAt: number;
  /** Last change (checkpoints refresh it, so it doubles as a heartbeat). */
  updatedAt: number;
}

/** One checkpointed step value. */
export interface StepCheckpoint {
  /** Step name, `name#iteration` for auto-versioned steps. */
  name: string;
  /** The stored value. */
  value: unknown;
  /** When it was saved. */
  savedAt: number;
}

/** A run waiting on an event topic. */
export interface WorkflowWatcher {
  /** The waiting run. */
  runId: string;
  /** The step that waits. */
  stepName: string;
  /** The topic. */
  topic: string;
  /** When the wait began. */
  createdAt: number;
  /** When the wait gives up (the run then resumes without a payload); null for never. */
  deadline: number | null;
  /** What the step stored with the wait. */
  data: Record<string, unknown>;
}

/** A watcher an emitted event resolved; its run is `running` again. */
export interface WatcherResolution {
  /** The resumed run. */
  runId: string;
  /** The step that waited. */
  stepName: string;
  /** The topic. */
  topic: string;
  /** What the run's suspensionData now holds (`payload` is the event payload). */
  resumeData: Record<string, unknown>;
}

/** The base name of a checkpoint: `repeat#2` → `repeat`. */
export function baseStepName(name: string): string {
  const hash = name.lastIndexOf("#");
  return hash > 0 && /^\d+$/.test(name.slice(hash + 1)) ? name.slice(0, hash) : name;
}

/** The number of distinct base names among `names`: the run's cursor. */
export function cursorOf(names: Iterable<string>): number {
  return new Set(Array.from(names, baseStepName)).size;
}
