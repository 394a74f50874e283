import { Signal } from "../signals/signal.ts";
import type { RunStatus } from "./run_state.ts";

/** What every workflow signal carries. */
export interface WorkflowRunSignal {
  /** Run id. */
  runId: string;
  /** Workflow name. */
  workflow: string;
  /** Status after the change. */
  status: RunStatus;
  /** Step involved, when one is. */
  step?: string;
  /** Why (suspension kind, cancellation reason, error message). */
  reason?: string;
}

/** The workflow life-cycle signals of one runtime. */
export interface WorkflowSignals {
  /** A run was created and enqueued. */
  workflowRunStarted: Signal<WorkflowRunSignal>;
  /** A run suspended (sleep or event). */
  workflowRunSuspended: Signal<WorkflowRunSignal>;
  /** A suspended run was woken (due, event or rewind). */
  workflowRunResumed: Signal<WorkflowRunSignal>;
  /** A run completed. */
  workflowRunCompleted: Signal<WorkflowRunSignal>;
  /** A step failed (`status` stays `running` while retries remain; `failed` at the end). */
  workflowRunFailed: Signal<WorkflowRunSignal>;
  /** A run was cancelled. */
  workflowRunCancelled: Signal<WorkflowRunSignal>;
}

/** A fresh set of workflow signals. */
export function createWorkflowSignals(): WorkflowSignals {
  return {
    workflowRunStarted: new Signal("workflowRunStarted"),
    workflowRunSuspended: new Signal("workflowRunSuspended"),
    workflowRunResumed: new Signal("workflowRunResumed"),
    workflowRunCompleted: new Signal("workflowRunCompleted"),
    workflowRunFailed: new Signal("workflowRunFailed"),
    workflowRunCancelled: new Signal("workflowRunCancelled"),
  };
}
