import { type Clock, systemClock } from "../../src/core/clock.ts";
import { uuidv7 } from "../../src/core/ids.ts";
import {
  baseStepName,
  type RunError,
  type RunState,
  type RunStatus,
  type StepCheckpoint,
  type WatcherResolution,
  type WorkflowWatcher,
} from "../../src/workflow/run_state.ts";
import { DuplicateRunError, UnknownRunError } from "../../src/workflow/workflow_errors.ts";
import {
  type CreateRunInput,
  DUE_CLAIM_MS,
  type ListRunsQuery,
  type StepLease,
  type TopicWaitOptions,
  type WorkflowStore,
} from "../../src/workflow/workflow_store.ts";
import type { SqlExecutor, SqlParam, SqlStatement } from "./executor.ts";

/** Options of {@link SqlWorkflowStore}. */
export interface SqlWorkflowStoreOptions {
  /** Time source of timestamps, leases and due times. @default systemClock */
  clock?: Clock;
}

interface RunRow {
  id: string;
  workflow: string;
  status: string;
  step_cursor: number | string;
  params: string;
  result: string | null;
  wait_topic: string | null;
  resume_at: number | string | null;
  last_error: string | null;
  suspension_data: string | null;
  owner_id: string | null;
  lease_expires_at: number | string | null;
  cancellation_policy: string | null;
  cancellation_data: string | null;
  created_at: number | string;
  updated_at: number | string;
}

interface StepRow {
  name: string;
  value: string;
  saved_at: number | string;
}

interface WatcherRow {
  run_id: string;
  step_name: string;
  topic: string;
  created_at: number | string;
  deadline: number | string | null;
  data: string;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));
const parse = <T>(v: string | null): T | null => (v === null ? null : JSON.parse(v) as T);

function runState(row: RunRow): RunState {
  return {
    id: row.id,
    workflow: row.workflow,
    status: row.status as RunStatus,
    cursor: Number(row.step_cursor),
    params: JSON.parse(row.params),
    result: parse(row.result),
    waitTopic: row.wait_topic,
    resumeAt: num(row.resume_at),
    lastError: parse(row.last_error),
    suspensionData: parse(row.suspension_data),
    ownerId: row.owner_id,
    leaseExpiresAt: num(row.lease_expires_at),
    cancellationPolicy: parse(row.cancellation_policy),
    cancellationData: parse(row.cancellation_data),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

function watcher(row: WatcherRow): WorkflowWatcher {
  return {
    runId: row.run_id,
    stepName: row.step_name,
    topic: row.topic,
    createdAt: Number(row.created_at),
    deadline: num(row.deadline),
    data: JSON.parse(row.data),
  };
}

const step = (row: StepRow): StepCheckpoint => ({
  name: row.name,
  value: JSON.parse(row.value),
  savedAt: Number(row.saved_at),
});

/**
 * `WorkflowStore` on the shared SQL layer (Postgres and SQLite): a run row, checkpoint rows and
 * a watcher row per waiting run. Hand-outs are single statements (`UPDATE … WHERE` for leases,
 * `UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)` for due runs, `DELETE … RETURNING` for
 * watchers), so two processes never receive the same run.
 */
export class SqlWorkflowStore implements WorkflowStore {
  readonly #db: SqlExecutor;
  readonly #clock: Clock;

  /** Wraps an executor whose database has migration 0004. */
  constructor(db: SqlExecutor, options: SqlWorkflowStoreOptions = {}) {
    this.#db = db;
    this.#clock = options.clock ?? systemClock;
  }

  get #sql() {
    return this.#db.sql;
  }

  async #changed(query: string, params: SqlParam[], runId: string): Promise<void> {
    const rows = await this.#db.all(query, params);
    if (rows.length === 0) throw new UnknownRunError(runId);
  }

  async #atomicOnRun(runId: string, statements: SqlStatement[], checkIndex: number): Promise<void> {
    const results = await this.#db.atomic(statements);
    if (results[checkIndex].length === 0) throw new UnknownRunError(runId);
  }

  async createRun(input: CreateRunInput): Promise<string> {
    const now = this.#clock.now();
    const id = input.runId ?? uuidv7(now);
    const rows = await this.#db.all(this.#sql.wfCreate, [
      id,
      input.workflow,
      JSON.stringify(input.params),
      input.cancellationPolicy ? JSON.stringify(input.cancellationPolicy) : null,
      now,
    ]);
    if (rows.length === 0) throw new DuplicateRunError(id);
    return id;
  }

  async get(runId: string): Promise<RunState | null> {
    const [row] = await this.#db.all<RunRow>(this.#sql.wfGet, [runId], { idempotent: true });
    return row ? runState(row) : null;
  }

  async readStep(runId: string, name: string): Promise<StepCheckpoint | null> {
    const [row] = await this.#db.all<StepRow>(this.#sql.wfReadStep, [runId, name], {
      idempotent: true,
    });
    return row ? step(row) : null;
  }

  async saveStep(
    runId: string,
    name: string,
    value: unknown,
    lease?: StepLease,
  ): Promise<boolean> {
    const now = this.#clock.now();
    const save = [runId, name, baseStepName(name), JSON.stringify(value ?? null), now];
    if (lease) {
      const fenced = {
        query: this.#sql.wfSaveStepOwned,
        params: [...save, lease.owner, lease.leaseMs],
      };
      if (this.#db.writableCtes) {
        return (await this.#db.all(fenced.query, fenced.params)).length > 0;
      }
      let stored = false;
      await this.#db.atomic([fenced], ([owned]) => {
        stored = owned.length > 0;
        return stored ? { many: { query: this.#sql.wfSaveStep, rows: [save] } } : {};
      });
      return stored;
    }
    await this.#atomicOnRun(runId, [
      {
        query: this.#sql.wfSaveStep,
        params: [runId, name, baseStepName(name), JSON.stringify(value ?? null), now],
      },
      { query: this.#sql.wfTouchCursor, params: [runId, now] },
    ], 1);
    return true;
  }

  async listSteps(runId: string): Promise<StepCheckpoint[]> {
    const rows = await this.#db.all<StepRow>(this.#sql.wfListSteps, [runId], { idempotent: true });
    return rows.map(step);
  }

  async suspendUntil(
    runId: string,
    _step: string,
    resumeAt: number,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    const full = { ...data, resumeAt: data.resumeAt ?? resumeAt };
    await this.#atomicOnRun(runId, [
      { query: this.#sql.wfDropWatcher, params: [runId] },
      {
        query: this.#sql.wfSuspendUntil,
        params: [runId, resumeAt, JSON.stringify(full), this.#clock.now()],
      },
    ], 1);
  }

  async suspendOnTopic(
    runId: string,
    stepName: string,
    topic: string,
    options: TopicWaitOptions = {},
  ): Promise<void> {
    const now = this.#clock.now();
    const deadline = options.deadline ?? null;
    const data = JSON.stringify(options.data ?? {});
    await this.#atomicOnRun(runId, [
      { query: this.#sql.wfSuspendTopic, params: [runId, topic, deadline, data, now] },
      { query: this.#sql.wfAddWatcher, params: [runId, stepName, topic, now, deadline, data] },
    ], 0);
  }

  async listWatchers(topic?: string, limit = 100): Promise<WorkflowWatcher[]> {
    const rows = await this.#db.all<WatcherRow>(this.#sql.wfListWatchers, [topic ?? null, limit], {
      idempotent: true,
    });
    return rows.map(watcher);
  }

  async runsWaitingOn(topic: string, limit = 100): Promise<string[]> {
    return (await this.listWatchers(topic, limit)).map((w) => w.runId);
  }

  async resolveWatchers(
    topic: string,
    payload: unknown,
    limit = 256,
  ): Promise<WatcherResolution[]> {
    const now = this.#clock.now();
    const out: WatcherResolution[] = [];
    const resumeQuery = this.#sql.wfResumeEvent;
    await this.#db.atomic<WatcherRow>(
      [{ query: this.#sql.wfTakeWatchers, params: [topic, limit] }],
      ([taken]) => {
        const rows: SqlParam[][] = [];
        for (const row of taken) {
          const resumeData = {
            ...JSON.parse(row.data),
            type: "event",
            topic,
            payload: payload ?? null,
            step: row.step_name,
            deliveredAt: now,
          };
          out.push({ runId: row.run_id, stepName: row.step_name, topic, resumeData });
          rows.push([row.run_id, JSON.stringify(resumeData)]);
        }
        return { many: { query: resumeQuery, rows, shared: [now] } };
      },
    );
    return out;
  }

  async dueRuns(now: number, limit = 256): Promise<string[]> {
    const rows = await this.#db.all<{ id: string }>(this.#sql.wfDueClaim, [
      now,
      now + DUE_CLAIM_MS,
      limit,
    ]);
    return rows.map((r) => r.id);
  }

  async markRunning(runId: string): Promise<void> {
    const results = await this.#db.atomic([
      { query: this.#sql.wfMarkRunning, params: [runId, this.#clock.now()] },
    ]);
    if (results[0].length === 0 && !(await this.get(runId))) throw new UnknownRunError(runId);
    if (results[0].length > 0) await this.#db.run(this.#sql.wfDropWatcher, [runId]);
  }

  async markResumed(runId: string, data?: Record<string, unknown>): Promise<boolean> {
    const results = await this.#db.atomic([
      {
        query: this.#sql.wfMarkResumed,
        params: [runId, data === undefined ? null : JSON.stringify(data), this.#clock.now()],
      },
    ]);
    if (results[0].length === 0) {
      if (!(await this.get(runId))) throw new UnknownRunError(runId);
      return false;
    }
    await this.#db.run(this.#sql.wfDropWatcher, [runId]);
    return true;
  }

  async markCompleted(runId: string, result: unknown): Promise<void> {
    const complete = {
      query: this.#sql.wfMarkCompleted,
      params: [runId, JSON.stringify(result ?? null), this.#clock.now()],
    };
    // With writable CTEs the completion drops the watcher itself: one round trip.
    if (this.#db.writableCtes) return await this.#changed(complete.query, complete.params, runId);
    await this.#atomicOnRun(
      runId,
      [complete, { query: this.#sql.wfDropWatcher, params: [runId] }],
      0,
    );
  }

  async markFailed(
    runId: string,
    error: RunError,
    options: { terminal?: boolean } = {},
  ): Promise<void> {
    const terminal = options.terminal ? 1 : 0;
    const statements: SqlStatement[] = [{
      query: this.#sql.wfMarkFailed,
      params: [runId, JSON.stringify(error), terminal, this.#clock.now()],
    }];
    if (terminal) statements.push({ query: this.#sql.wfDropWatcher, params: [runId] });
    await this.#atomicOnRun(runId, statements, 0);
  }

  async cancel(runId: string, reason = "cancelled"): Promise<void> {
    const now = this.#clock.now();
    await this.#atomicOnRun(runId, [
      {
        query: this.#sql.wfCancel,
        params: [runId, JSON.stringify({ reason, cancelledAt: now }), now],
      },
      { query: this.#sql.wfDropWatcher, params: [runId] },
    ], 0);
  }

  async rewindToStep(runId: string, name: string): Promise<void> {
    const target = baseStepName(name);
    const data = { step: target, iteration: 0, iterationStep: target };
    await this.#atomicOnRun(runId, [
      { query: this.#sql.wfRewindSteps, params: [runId, target] },
      { query: this.#sql.wfDropWatcher, params: [runId] },
      {
        query: this.#sql.wfRewindRun,
        params: [runId, JSON.stringify(data), this.#clock.now()],
      },
    ], 2);
  }

  async claimRun(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#db.all(this.#sql.wfClaim, [runId, owner, this.#clock.now(), leaseMs]);
    return rows.length === 1;
  }

  async renewRunLease(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.#db.all(this.#sql.wfRenew, [runId, owner, this.#clock.now(), leaseMs]);
    return rows.length === 1;
  }

  async releaseRun(runId: string, owner: string): Promise<void> {
    await this.#db.run(this.#sql.wfRelease, [runId, owner], { idempotent: true });
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunState[]> {
    const rows = await this.#db.all<RunRow>(this.#sql.wfListRuns, [
      query.workflow ?? null,
      query.status ?? null,
      query.limit ?? 100,
    ], { idempotent: true });
    return rows.map(runState);
  }

  async listRunnableRuns(now: number, limit = 100): Promise<RunState[]> {
    const rows = await this.#db.all<RunRow>(this.#sql.wfListRunnable, [now, limit], {
      idempotent: true,
    });
    return rows.map(runState);
  }
}
