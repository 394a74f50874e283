import { type Clock, systemClock } from "../../../src/core/clock.ts";
import { uuidv7 } from "../../../src/core/ids.ts";
import type {
  RunError,
  RunState,
  RunStatus,
  StepCheckpoint,
  WatcherResolution,
  WorkflowWatcher,
} from "../../../src/workflow/run_state.ts";
import { DuplicateRunError, UnknownRunError } from "../../../src/workflow/workflow_errors.ts";
import {
  type CreateRunInput,
  DUE_CLAIM_MS,
  type ListRunsQuery,
  type StepLease,
  type TopicWaitOptions,
  type WorkflowStore,
} from "../../../src/workflow/workflow_store.ts";
import { scripts } from "../_scripts.ts";
import type { RedisReply, RedisTransport } from "../transport.ts";

/** Options of {@link RedisWorkflowStore}. */
export interface RedisWorkflowStoreOptions {
  /** Key prefix. @default "stem" */
  namespace?: string;
  /** Time source of timestamps, leases and due times. @default systemClock */
  clock?: Clock;
}

type Condition = "any" | "suspended" | "live";

interface Update {
  condition: Condition;
  due?: number | null;
  drop?: boolean;
  watch?: { step: string; topic: string; deadline: number | null; data: string };
  fields: Record<string, string | null>;
}

function hash(reply: RedisReply): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(reply)) return out;
  for (let i = 0; i + 1 < reply.length; i += 2) out[String(reply[i])] = String(reply[i + 1]);
  return out;
}

const json = (v: string | undefined): unknown => (v === undefined ? null : JSON.parse(v));
const num = (v: string | undefined): number | null => (v === undefined ? null : Number(v));

/**
 * `WorkflowStore` on Redis: a hash per run, a hash and an order zset of checkpoints, a due zset,
 * and a hash per watcher indexed by topic. Every change that hands out work or must stay
 * consistent across keys is one Lua script: `dueRuns` claims in the script that reads (the
 * original's ZRANGEBYSCORE-then-ZREM let two pollers take the same run).
 */
export class RedisWorkflowStore implements WorkflowStore {
  readonly #t: RedisTransport;
  readonly #clock: Clock;
  readonly #p: string;

  /** Wraps a transport. */
  constructor(transport: RedisTransport, options: RedisWorkflowStoreOptions = {}) {
    this.#t = transport;
    this.#clock = options.clock ?? systemClock;
    this.#p = `${options.namespace ?? "stem"}:wf:`;
  }

  #run = (id: string) => `${this.#p}run:${id}`;
  #steps = (id: string) => `${this.#p}steps:${id}`;
  #order = (id: string) => `${this.#p}order:${id}`;
  #watcher = (id: string) => `${this.#p}watcher:${id}`;
  #topic = (topic: string) => `${this.#p}topic:${topic}`;
  get #due() {
    return `${this.#p}due`;
  }
  get #runs() {
    return `${this.#p}runs`;
  }
  get #seq() {
    return `${this.#p}seq`;
  }
  get #all() {
    return `${this.#p}watchers`;
  }

  async #update(runId: string, u: Update): Promise<number> {
    const w = u.watch;
    const args = [
      u.condition,
      runId,
      `${this.#p}topic:`,
      u.due === undefined || u.due === null ? "" : String(u.due),
      u.drop === false ? "0" : "1",
      w ? "1" : "0",
      w?.step ?? "",
      w?.topic ?? "",
      String(this.#clock.now()),
      w?.deadline === null || w?.deadline === undefined ? "" : String(w.deadline),
      w?.data ?? "",
    ];
    for (const [field, value] of Object.entries(u.fields)) args.push(field, value ?? "");
    const reply = Number(
      await this.#t.script(scripts.wfUpdate, [
        this.#run(runId),
        this.#watcher(runId),
        this.#due,
        this.#all,
        w ? this.#topic(w.topic) : this.#all,
        this.#seq,
      ], args),
    );
    if (reply === -1) throw new UnknownRunError(runId);
    return reply;
  }

  async createRun(input: CreateRunInput): Promise<string> {
    const now = this.#clock.now();
    const id = input.runId ?? uuidv7(now);
    const created = await this.#t.script(scripts.wfCreate, [this.#run(id), this.#runs, this.#seq], [
      id,
      input.workflow,
      JSON.stringify(input.params),
      input.cancellationPolicy ? JSON.stringify(input.cancellationPolicy) : "",
      String(now),
    ]);
    if (Number(created) !== 1) throw new DuplicateRunError(id);
    return id;
  }

  #state(id: string, h: Record<string, string>): RunState | null {
    if (!h.status) return null;
    return {
      id,
      workflow: h.workflow,
      status: h.status as RunStatus,
      cursor: Number(h.cursor ?? 0),
      params: JSON.parse(h.params ?? "{}"),
      result: json(h.result),
      waitTopic: h.waitTopic ?? null,
      resumeAt: num(h.resumeAt),
      lastError: json(h.lastError) as RunError | null,
      suspensionData: json(h.suspensionData) as Record<string, unknown> | null,
      ownerId: h.ownerId ?? null,
      leaseExpiresAt: num(h.leaseExpiresAt),
      cancellationPolicy: json(h.cancellationPolicy) as RunState["cancellationPolicy"],
      cancellationData: json(h.cancellationData) as Record<string, unknown> | null,
      createdAt: Number(h.createdAt),
      updatedAt: Number(h.updatedAt),
    };
  }

  async get(runId: string): Promise<RunState | null> {
    return this.#state(runId, hash(await this.#t.command(["HGETALL", this.#run(runId)])));
  }

  async #many(ids: string[]): Promise<RunState[]> {
    if (ids.length === 0) return [];
    const replies = await this.#t.pipeline(ids.map((id) => ["HGETALL", this.#run(id)]));
    return ids.flatMap((id, i) => this.#state(id, hash(replies[i])) ?? []);
  }

  async readStep(runId: string, step: string): Promise<StepCheckpoint | null> {
    const reply = await this.#t.command(["HGET", this.#steps(runId), step]);
    if (reply === null) return null;
    const stored = JSON.parse(String(reply)) as { value: unknown; savedAt: number };
    return { name: step, value: stored.value, savedAt: stored.savedAt };
  }

  async saveStep(
    runId: string,
    step: string,
    value: unknown,
    lease?: StepLease,
  ): Promise<boolean> {
    const now = this.#clock.now();
    const reply = Number(
      await this.#t.script(
        scripts.wfSaveStep,
        [this.#run(runId), this.#steps(runId), this.#order(runId), this.#seq],
        [
          step,
          JSON.stringify({ value: value ?? null, savedAt: now }),
          String(now),
          lease?.owner ?? "",
          String(lease?.leaseMs ?? 0),
        ],
      ),
    );
    if (reply === 1) return true;
    if (lease) return false;
    throw new UnknownRunError(runId);
  }

  async listSteps(runId: string): Promise<StepCheckpoint[]> {
    const names = (await this.#t.command(["ZRANGE", this.#order(runId), "0", "-1"])) as string[];
    if (!names?.length) return [];
    const values = (await this.#t.command(["HMGET", this.#steps(runId), ...names])) as (
      | string
      | null
    )[];
    return names.flatMap((name, i) => {
      if (values[i] === null) return [];
      const stored = JSON.parse(values[i]!) as { value: unknown; savedAt: number };
      return [{ name, value: stored.value, savedAt: stored.savedAt }];
    });
  }

  async suspendUntil(
    runId: string,
    _step: string,
    resumeAt: number,
    data: Record<string, unknown> = {},
  ): Promise<void> {
    await this.#update(runId, {
      condition: "any",
      due: resumeAt,
      fields: {
        status: "suspended",
        waitTopic: null,
        resumeAt: String(resumeAt),
        suspensionData: JSON.stringify({ ...data, resumeAt: data.resumeAt ?? resumeAt }),
        ownerId: null,
        leaseExpiresAt: null,
        updatedAt: String(this.#clock.now()),
      },
    });
  }

  async suspendOnTopic(
    runId: string,
    step: string,
    topic: string,
    options: TopicWaitOptions = {},
  ): Promise<void> {
    const deadline = options.deadline ?? null;
    const data = JSON.stringify(options.data ?? {});
    await this.#update(runId, {
      condition: "any",
      due: deadline,
      watch: { step, topic, deadline, data },
      fields: {
        status: "suspended",
        waitTopic: topic,
        resumeAt: deadline === null ? null : String(deadline),
        suspensionData: data,
        ownerId: null,
        leaseExpiresAt: null,
        updatedAt: String(this.#clock.now()),
      },
    });
  }

  async listWatchers(topic?: string, limit = 100): Promise<WorkflowWatcher[]> {
    const index = topic === undefined ? this.#all : this.#topic(topic);
    const ids = (await this.#t.command(["ZRANGE", index, "0", String(limit - 1)])) as string[];
    if (!ids?.length) return [];
    const replies = await this.#t.pipeline(ids.map((id) => ["HGETALL", this.#watcher(id)]));
    return ids.flatMap((id, i) => {
      const h = hash(replies[i]);
      if (!h.topic) return [];
      return [{
        runId: id,
        stepName: h.stepName,
        topic: h.topic,
        createdAt: Number(h.createdAt),
        deadline: num(h.deadline),
        data: JSON.parse(h.data ?? "{}"),
      }];
    });
  }

  async runsWaitingOn(topic: string, limit = 100): Promise<string[]> {
    return (await this.#t.command([
      "ZRANGE",
      this.#topic(topic),
      "0",
      String(limit - 1),
    ])) as string[];
  }

  async resolveWatchers(
    topic: string,
    payload: unknown,
    limit = 256,
  ): Promise<WatcherResolution[]> {
    const now = this.#clock.now();
    const extras = JSON.stringify({
      type: "event",
      topic,
      payload: payload ?? null,
      deliveredAt: now,
    });
    const reply = (await this.#t.script(scripts.wfTakeWatchers, [
      this.#topic(topic),
      this.#all,
      this.#due,
    ], [this.#p, String(limit), extras.slice(1, -1), String(now)])) as string[];
    const out: WatcherResolution[] = [];
    for (let i = 0; i + 2 < reply.length; i += 3) {
      out.push({
        runId: reply[i],
        stepName: reply[i + 1],
        topic,
        resumeData: JSON.parse(reply[i + 2]),
      });
    }
    return out;
  }

  async dueRuns(now: number, limit = 256): Promise<string[]> {
    return (await this.#t.script(scripts.wfDue, [this.#due], [
      String(now),
      String(now + DUE_CLAIM_MS),
      String(limit),
    ])) as string[];
  }

  async markRunning(runId: string): Promise<void> {
    await this.#update(runId, {
      condition: "live",
      fields: {
        status: "running",
        waitTopic: null,
        resumeAt: null,
        updatedAt: String(this.#clock.now()),
      },
    });
  }

  async markResumed(runId: string, data?: Record<string, unknown>): Promise<boolean> {
    const fields: Record<string, string | null> = {
      status: "running",
      waitTopic: null,
      resumeAt: null,
      updatedAt: String(this.#clock.now()),
    };
    if (data !== undefined) fields.suspensionData = JSON.stringify(data);
    return (await this.#update(runId, { condition: "suspended", fields })) === 1;
  }

  async markCompleted(runId: string, result: unknown): Promise<void> {
    await this.#update(runId, {
      condition: "any",
      fields: {
        status: "completed",
        result: JSON.stringify(result ?? null),
        suspensionData: "{}",
        waitTopic: null,
        resumeAt: null,
        ownerId: null,
        leaseExpiresAt: null,
        updatedAt: String(this.#clock.now()),
      },
    });
  }

  async markFailed(
    runId: string,
    error: RunError,
    options: { terminal?: boolean } = {},
  ): Promise<void> {
    const fields: Record<string, string | null> = {
      lastError: JSON.stringify(error),
      updatedAt: String(this.#clock.now()),
    };
    if (options.terminal) {
      Object.assign(fields, {
        status: "failed",
        waitTopic: null,
        ownerId: null,
        leaseExpiresAt: null,
      });
    }
    await this.#update(runId, { condition: "any", drop: options.terminal === true, fields });
  }

  async cancel(runId: string, reason = "cancelled"): Promise<void> {
    const now = this.#clock.now();
    await this.#update(runId, {
      condition: "any",
      fields: {
        status: "cancelled",
        cancellationData: JSON.stringify({ reason, cancelledAt: now }),
        waitTopic: null,
        resumeAt: null,
        ownerId: null,
        leaseExpiresAt: null,
        updatedAt: String(now),
      },
    });
  }

  async rewindToStep(runId: string, step: string): Promise<void> {
    const base = step.replace(/#\d+$/, "");
    const reply = await this.#t.script(scripts.wfRewind, [
      this.#run(runId),
      this.#steps(runId),
      this.#order(runId),
      this.#watcher(runId),
      this.#due,
      this.#all,
    ], [
      base,
      runId,
      `${this.#p}topic:`,
      String(this.#clock.now()),
      JSON.stringify({ step: base, iteration: 0, iterationStep: base }),
    ]);
    if (Number(reply) === -1) throw new UnknownRunError(runId);
  }

  async #lease(mode: string, runId: string, owner: string, leaseMs: number): Promise<boolean> {
    const reply = await this.#t.script(scripts.wfLease, [this.#run(runId)], [
      mode,
      owner,
      String(this.#clock.now()),
      String(leaseMs),
    ]);
    return Number(reply) === 1;
  }

  claimRun(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#lease("claim", runId, owner, leaseMs);
  }

  renewRunLease(runId: string, owner: string, leaseMs: number): Promise<boolean> {
    return this.#lease("renew", runId, owner, leaseMs);
  }

  async releaseRun(runId: string, owner: string): Promise<void> {
    await this.#lease("release", runId, owner, 0);
  }

  async listRuns(query: ListRunsQuery = {}): Promise<RunState[]> {
    const ids = (await this.#t.command(["ZREVRANGE", this.#runs, "0", "-1"])) as string[];
    const limit = query.limit ?? 100;
    const out: RunState[] = [];
    for (let i = 0; i < ids.length && out.length < limit; i += 200) {
      for (const run of await this.#many(ids.slice(i, i + 200))) {
        if (query.workflow !== undefined && run.workflow !== query.workflow) continue;
        if (query.status !== undefined && run.status !== query.status) continue;
        if (out.length < limit) out.push(run);
      }
    }
    return out;
  }

  async listRunnableRuns(now: number, limit = 100): Promise<RunState[]> {
    const ids = (await this.#t.command(["ZRANGE", this.#runs, "0", "-1"])) as string[];
    const out: RunState[] = [];
    for (let i = 0; i < ids.length && out.length < limit; i += 200) {
      for (const run of await this.#many(ids.slice(i, i + 200))) {
        const free = run.ownerId === null || (run.leaseExpiresAt ?? 0) <= now;
        if (run.status === "running" && run.waitTopic === null && free && out.length < limit) {
          out.push(run);
        }
      }
    }
    return out;
  }
}
