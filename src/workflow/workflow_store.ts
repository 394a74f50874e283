import type {
  CancellationPolicy,
  RunError,
  RunState,
  RunStatus,
  StepCheckpoint,
  WatcherResolution,
  WorkflowWatcher,
} from "./run_state.ts";

/** What `createRun` stores. */
export interface CreateRunInput {
  /** Caller-chosen id; a duplicate throws `DuplicateRunError`. @default a fresh UUID v7-like id */
  runId?: string;
  /** Workflow name. */
  workflow: string;
  /** Parameters (JSON), reserved runtime keys included. */
  params: Record<string, unknown>;
  /** Cancellation limits. */
  cancellationPolicy?: CancellationPolicy | null;
}

/** Filters of `listRuns`. */
export interface ListRunsQuery {
  /** Only runs of this workflow. */
  workflow?: string;
  /** Only runs in this status. */
  status?: RunStatus;
  /** At most this many, newest first. @default 100 */
  limit?: number;
}

/** Options of a topic suspension. */
export interface TopicWaitOptions {
  /** When the wait gives up: the run then becomes due without a payload. */
  deadline?: number | null;
  /** Stored with the watcher and as the run's suspensionData. */
  data?: Record<string, unknown>;
}

/** The run lease a checkpoint write is guarded by (see `WorkflowStore.saveStep`). */
export interface StepLease {
  /** Owner that must hold the live lease. */
  owner: string;
  /** New lease length from now, taken in the same write. */
  leaseMs: number;
}

/**
 * Durable state of workflow runs: checkpoints, suspensions, event watchers and run leases.
 * Every operation that hands work to one caller (`claimRun`, `dueRuns`, `resolveWatchers`) is
 * atomic across processes: two callers never both receive the same run. Times come from the
 * store's injected clock.
 */
export interface WorkflowStore {
  /** Creates a `running` run with cursor 0 and returns its id. */
  createRun(input: CreateRunInput): Promise<string>;
  /** The run, or null when it does not exist. */
  get(runId: string): Promise<RunState | null>;
  /** The checkpoint of `step` (`name` or `name#i`), or null when none is stored. */
  readStep(runId: string, step: string): Promise<StepCheckpoint | null>;
  /**
   * Stores (or replaces) a checkpoint, recomputes the cursor and refreshes `updatedAt`; true when
   * stored. With `lease` the write is fenced: it stores only while `lease.owner` holds the lease
   * of the `running` run (a lapsed lease nobody took over still counts, so a long step keeps its
   * value), extends that lease in the same atomic write (one round trip per step), and returns
   * false, storing nothing, otherwise (cancelled, finished, taken over).
   */
  saveStep(runId: string, step: string, value: unknown, lease?: StepLease): Promise<boolean>;
  /** Every checkpoint in the order first saved. */
  listSteps(runId: string): Promise<StepCheckpoint[]>;
  /**
   * Suspends the run until `resumeAt`: status `suspended`, `suspensionData` = `data` plus
   * `resumeAt` (when absent), and the run enters the due index.
   */
  suspendUntil(
    runId: string,
    step: string,
    resumeAt: number,
    data?: Record<string, unknown>,
  ): Promise<void>;
  /**
   * Suspends the run on `topic`: status `suspended`, `waitTopic` set, a watcher registered, and
   * with a deadline the run also enters the due index.
   */
  suspendOnTopic(
    runId: string,
    step: string,
    topic: string,
    options?: TopicWaitOptions,
  ): Promise<void>;
  /** Watchers on `topic` (every topic when omitted), oldest first. */
  listWatchers(topic?: string, limit?: number): Promise<WorkflowWatcher[]>;
  /** Ids of the runs waiting on `topic`. */
  runsWaitingOn(topic: string, limit?: number): Promise<string[]>;
  /**
   * Atomically removes up to `limit` watchers of `topic` and flips their runs to `running`
   * with the payload in `suspensionData`; each watcher is resolved once, by one caller.
   */
  resolveWatchers(topic: string, payload: unknown, limit?: number): Promise<WatcherResolution[]>;
  /**
   * Atomically claims up to `limit` runs whose `resumeAt` is at or before `now` and returns
   * their ids: a second call does not return them again. A claimed run that is not resumed
   * (the caller crashed) becomes due again `DUE_CLAIM_MS` later, so it is never stranded.
   */
  dueRuns(now: number, limit?: number): Promise<string[]>;
  /** Status `running` (from `suspended`), `waitTopic` cleared. */
  markRunning(runId: string): Promise<void>;
  /**
   * Resumes a suspended run: status `running`, watcher and due entry dropped, `waitTopic`
   * cleared; `data`, when given, replaces `suspensionData`. Returns false (changing nothing)
   * when the run is not suspended, so a deadline and an event never both resume it.
   */
  markResumed(runId: string, data?: Record<string, unknown>): Promise<boolean>;
  /** Status `completed` with `result`; suspension cleared to `{}`; lease released. */
  markCompleted(runId: string, result: unknown): Promise<void>;
  /** Records `lastError`; with `terminal` the run becomes `failed` (else it stays as it is). */
  markFailed(runId: string, error: RunError, options?: { terminal?: boolean }): Promise<void>;
  /** Status `cancelled` with `cancellationData` `{ reason, cancelledAt }`; waits dropped. */
  cancel(runId: string, reason?: string): Promise<void>;
  /**
   * Drops the checkpoints of `step` (every iteration) and every later one; status `suspended`,
   * cursor recomputed, `suspensionData` `{ step, iteration: 0, iterationStep }`. The caller
   * re-enqueues the run.
   */
  rewindToStep(runId: string, step: string): Promise<void>;
  /**
   * Takes the run lease for `owner` for `leaseMs` when the run is `running`, waits on no topic
   * and the lease is free, lapsed or already `owner`'s. Atomic: one of two claimants wins.
   */
  claimRun(runId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Extends `owner`'s lease; false when `owner` does not hold it. */
  renewRunLease(runId: string, owner: string, leaseMs: number): Promise<boolean>;
  /** Releases `owner`'s lease (no-op when someone else holds it). */
  releaseRun(runId: string, owner: string): Promise<void>;
  /** Runs, newest first, filtered. */
  listRuns(query?: ListRunsQuery): Promise<RunState[]>;
  /** `running` runs with no wait topic and a free or lapsed lease at `now`. */
  listRunnableRuns(now: number, limit?: number): Promise<RunState[]>;
}

/** How long a run handed out by `dueRuns` stays claimed before it is due again. */
export const DUE_CLAIM_MS = 30_000;
