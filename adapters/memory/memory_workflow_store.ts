import { type Clock, systemClock } from "../../src/core/clock.ts";
import { uuidv7 } from "../../src/core/ids.ts";
import {
  baseStepName,
  cursorOf,
  type RunError,
  type RunState,
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
import { jsonCopy } from "./json_copy.ts";

interface MemoryRun {
  state: RunState;
  steps: Map<string, StepCheckpoint>;
  watcher: WorkflowWatcher | null;
  seq: number;
}

/** Options of {@link InMemoryWorkflowStore}. */
export interface InMemoryWorkflowStoreOptions {
  /** Time source for timestamps, leases and due times. @default systemClock */
  clock?: Clock;
}

/**
 * The reference `WorkflowStore`: runs in a map, every operation synchronous inside one call, so
 * claims are atomic by construction. Values are copied through JSON as a durable store would.
 */
export class InMemoryWorkflowStore implements WorkflowStore {
  readonly #clock: Clock;
  readonly #runs = new Map<string, MemoryRun>();
  /** Runs in the due index with their due time. */
  readonly #due = new Map<string, number>();
  #seq = 0;

  /** Creates an empty store. */
  constructor(options: InMemoryWorkflowStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  #run(runId: string): MemoryRun {
    const run = this.#runs.get(runId);
    if (!run) throw new UnknownRunError(runId);
    return run;
  }

  #touch(run: MemoryRun): void {
    run.state.updatedAt = Math.max(this.#clock.now(), run.state.updatedAt);
  }

  #dropWaits(run: MemoryRun): void {
    run.watcher = null;
    run.state.waitTopic = null;
    run.state.resumeAt = null;
    this.#due.delete(run.state.id);
  }

  createRun(input: CreateRunInput): Promise<string> {
    const id = input.runId ?? uuidv7(this.#clock.now());
    if (this.#runs.has(id)) return Promise.reject(new DuplicateRunError(id));
    const now = this.#clock.now();
    this.#runs.set(id, {
      seq: ++this.#seq,
      steps: new Map(),
      watcher: null,
      state: {
        id,
        workflow: input.workflow,
        status: "running",
        cursor: 0,
        params: jsonCopy(input.params),
        result: null,
        waitTopic: null,
        resumeAt: null,
        lastError: null,
        suspensionData: null,
        ownerId: null,
        leaseExpiresAt: null,
        cancellationPolicy: input.cancellationPolicy ? jsonCopy(input.cancellationPolicy) : null,
        cancellationData: null,
        createdAt: now,
        updatedAt: now,
      },
    });
    return Promise.resolve(id);
  }

  get(runId: string): Promise<RunState | null> {
    const run = this.#runs.get(runId);
    return Promise.resolve(run ? jsonCopy(run.state) : null);
  }

  readStep(runId: string, step: string): Promise<StepCheckpoint | null> {
    const found = this.#runs.get(runId)?.steps.get(step);
    return Promise.resolve(found ? jsonCopy(found) : null);
  }

  saveStep(runId: string, step: string, value: unknown, lease?: StepLease): Promise<boolean> {
    try {
      if (lease && !this.#runs.has(runId)) return Promise.resolve(false);
      const run = this.#run(runId);
      const now = this.#clock.now();
      if (lease) {
        const s = run.state;
        if (s.status !== "running" || s.ownerId !== lease.owner) return Promise.resolve(false);
        s.leaseExpiresAt = now + lease.leaseMs;
      }
      run.steps.set(step, {
        name: step,
        value: jsonCopy(value ?? null),
        savedAt: this.#clock.now(),
      });
      run.state.cursor = cursorOf(run.steps.keys());
      run.state.updatedAt = Math.max(this.#clock.now(), run.state.updatedAt + 1);
      return Promise.resolve(true);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  listSteps(runId: string): Promise<StepCheckpoint[]> {
    const run = this.#runs.get(runId);
    return Promise.resolve(run ? jsonCopy([...run.steps.values()]) : []);
  }

  suspendUntil(
    runId: string,
    _step: string,
    resumeAt: number,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    return this.#sync(() => {
      const run = this.#run(runId);
      this.#dropWaits(run);
      run.state.status = "suspended";
      run.state.resumeAt = resumeAt;
      run.state.suspensionData = jsonCopy({ ...data, resumeAt: data.resumeAt ?? resumeAt });
      run.state.ownerId = null;
      run.state.leaseExpiresAt = null;
      this.#due.set(runId, resumeAt);
      this.#touch(run);
    });
  }

  suspendOnTopic(
    runId: string,
    step: string,
    topic: string,
    options: TopicWaitOptions = {},
  ): Promise<void> {
    return this.#sync(() => {
      const run = this.#run(runId);
      this.#dropWaits(run);
      const deadline = options.deadline ?? null;
      const data = jsonCopy(options.data ?? {});
      run.state.status = "suspended";
      run.state.waitTopic = topic;
      run.state.resumeAt = deadline;
      run.state.suspensionData = data;
      run.state.ownerId = null;
      run.state.leaseExpiresAt = null;
      run.watcher = { runId, stepName: step, topic, createdAt: this.#clock.now(), deadline, data };
      if (deadline !== null) this.#due.set(runId, deadline);
      this.#touch(run);
    });
  }

  #watchers(topic?: string): MemoryRun[] {
    return [...this.#runs.values()]
      .filter((r) => r.watcher && (topic === undefined || r.watcher.topic === topic))
      .sort((a, b) => a.watcher!.createdAt - b.watcher!.createdAt || a.seq - b.seq);
  }

  listWatchers(topic?: string, limit = 100): Promise<WorkflowWatcher[]> {
    return Promise.resolve(this.#watchers(topic).slice(0, limit).map((r) => jsonCopy(r.watcher!)));
  }

  runsWaitingOn(topic: string, limit = 100): Promise<string[]> {
    return Promise.resolve(this.#watchers(topic).slice(0, limit).map((r) => r.state.id));
  }

  resolveWatchers(topic: string, payload: unknown, limit = 256): Promise<WatcherResolution[]> {
    const now = this.#clock.now();
    const out: WatcherResolution[] = [];
    for (const run of this.#watchers(topic).slice(0, limit)) {
      const watcher = run.watcher!;
      const resumeData = jsonCopy({
        ...watcher.data,
        type: "event",
        topic,
        payload: payload ?? null,
        step: watcher.stepName,
        deliveredAt: now,
      });
      this.#dropWaits(run);
      run.state.status = "running";
      run.state.suspensionData = resumeData;
      this.#touch(run);
      out.push({ runId: run.state.id, stepName: watcher.stepName, topic, resumeData });
    }
    return Promise.resolve(jsonCopy(out));
  }

  dueRuns(now: number, limit = 256): Promise<string[]> {
    const due = [...this.#due.entries()]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1])
      .slice(0, limit)
      .map(([id]) => id);
    for (const id of due) this.#due.set(id, now + DUE_CLAIM_MS);
    return Promise.resolve(due);
  }

  markRunning(runId: string): Promise<void> {
    return this.#sync(() => {
      const run = this.#run(runId);
      if (run.state.status !== "suspended" && run.state.status !== "running") return;
      this.#dropWaits(run);
      run.state.status = "running";
      this.#touch(run);
    });
  }

  markResumed(runId: string, data?: Record<string, unknown>): Promise<boolean> {
    const run = this.#runs.get(runId);
    if (!run) return Promise.reject(new UnknownRunError(runId));
    if (run.state.status !== "suspended") return Promise.resolve(false);
    this.#dropWaits(run);
    run.state.status = "running";
    if (data !== undefined) run.state.suspensionData = jsonCopy(data);
    this.#touch(run);
    return Promise.resolve(true);
  }

  markCompleted(runId: string, result: unknown): Promise<void> {
    return this.#sync(() => {
      const run = this.#run(runId);
      this.#dropWaits(run);
      run.state.status = "completed";
      run.state.result = jsonCopy(result ?? null);
      run.state.suspensionData = {};
      run.state.ownerId = null;
      run.state.leaseExpiresAt = null;
      this.#touch(run);
    });
  }

  markFailed(runId: string, error: RunError, options: { terminal?: boolean } = {}): Promise<void> {
    return this.#sync(() => {
      const run = this.#run(runId);
      run.state.lastError = jsonCopy(error);
      if (options.terminal) {
        this.#dropWaits(run);
        run.state.status = "failed";
        run.state.ownerId = null;
        run.state.leaseExpiresAt = null;
      }
      this.#touch(run);
    });
  }

  cancel(runId: string, reason = "cancelled"): Promise<void> {
    return this.#sync(() => {
      const run = this.#run(runId);
      this.#dropWaits(run);
      run.state.status = "cancelled";
      run.state.cancellationData = { reason, cancelledAt: this.#clock.now() };
      run.state.ownerId = null;
      run.state.leaseExpiresAt = null;
      this.#touch(run);
    });
  }

  rewindToStep(runId: string, step: string): Promise<void> {
    return this.#sync(() => {
      const run = this.#run(runId);
      const target = baseStepName(step);
      const names = [...run.steps.keys()];
      const first = names.findIndex((n) => baseStepName(n) === target);
      if (first >= 0) { for (const name of names.slice(first)) run.steps.delete(name); }
      this.#dropWaits(run);
      run.state.cursor = cursorOf(run.steps.keys());
      run.state.status = "suspended";
      run.state.result = null;
      run.state.lastError = null;
      run.state.cancellationData = null;
      run.state.suspensionData = { step: target, iteration: 0, iterationStep: target };
      run.state.ownerId = null;
      run.state.leaseExpiresAt = null;
      this.#touch(run);
    });
  }

  claimRun(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const run = this.#runs.get(runId);
    const now = this.#clock.now();
    if (!run || run.state.status !== "running" || run.state.waitTopic !== null) {
      return Promise.resolve(false);
    }
    const held = run.state.ownerId !== null && (run.state.leaseExpiresAt ?? 0) > now;
    if (held && run.state.ownerId !== owner) return Promise.resolve(false);
    run.state.ownerId = owner;
    run.state.leaseExpiresAt = now + leaseMs;
    return Promise.resolve(true);
  }

  renewRunLease(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const run = this.#runs.get(runId);
    const now = this.#clock.now();
    if (!run || run.state.ownerId !== owner || (run.state.leaseExpiresAt ?? 0) <= now) {
      return Promise.resolve(false);
    }
    run.state.leaseExpiresAt = now + leaseMs;
    return Promise.resolve(true);
  }

  releaseRun(runId: string, owner: string): Promise<void> {
    const run = this.#runs.get(runId);
    if (run && run.state.ownerId === owner) {
      run.state.ownerId = null;
      run.state.leaseExpiresAt = null;
    }
    return Promise.resolve();
  }

  listRuns(query: ListRunsQuery = {}): Promise<RunState[]> {
    const runs = [...this.#runs.values()]
      .filter((r) => query.workflow === undefined || r.state.workflow === query.workflow)
      .filter((r) => query.status === undefined || r.state.status === query.status)
      .sort((a, b) => b.seq - a.seq)
      .slice(0, query.limit ?? 100);
    return Promise.resolve(runs.map((r) => jsonCopy(r.state)));
  }

  listRunnableRuns(now: number, limit = 100): Promise<RunState[]> {
    const runs = [...this.#runs.values()]
      .filter((r) =>
        r.state.status === "running" && r.state.waitTopic === null &&
        (r.state.ownerId === null || (r.state.leaseExpiresAt ?? 0) <= now)
      )
      .sort((a, b) => a.seq - b.seq)
      .slice(0, limit);
    return Promise.resolve(runs.map((r) => jsonCopy(r.state)));
  }

  #sync(fn: () => void): Promise<void> {
    try {
      fn();
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
