import type { GroupStore } from "../backend/group_store.ts";
import { TaskResult } from "../backend/task_result.ts";
import type { TaskState } from "../backend/task_status.ts";
import type { Duration } from "../core/duration.ts";
import { ErrorCode } from "../core/error_codes.ts";
import { StemError, ValidationError } from "../core/errors.ts";
import { uuidv7 } from "../core/ids.ts";
import type { TaskSignature } from "../core/task_signature.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";
import type { Stem } from "../producer/stem.ts";
import { dispatch } from "./dispatch.ts";
import {
  type CanvasNode,
  chain as chainNode,
  chord as chordNode,
  group as groupNode,
  type GroupNode,
  type LastOf,
  type ResultOf,
  type ResultsOf,
} from "./nodes.ts";
import { compile, finalOf, GROUP_META_KEY, type GroupPlan, type WireNode } from "./wire.ts";

/** Options of {@link Canvas}. */
export interface CanvasOptions {
  /** Where batch ids are recorded (`app.stores.kv`); needed by {@link Canvas.batch}. */
  kv?: AtomicKv;
}

/** Options of a result wait. */
export interface CanvasWaitOptions {
  /** Give up after this long (results then have `timedOut: true`). */
  timeout?: Duration;
}

/** A started chain. */
export interface ChainRun<Result> {
  /** The chain's id (step ids derive from it: `<chainId>.<index>`). */
  chainId: string;
  /** Id of the last step's task (its result is the chain's). */
  finalTaskId: string;
  /** Waits for the last step; a failed step makes it `failed` (code `canvas-step-failed`). */
  result(options?: CanvasWaitOptions): Promise<TaskResult<Result>>;
}

/** A started group. */
export interface GroupRun<Results extends readonly unknown[]> {
  /** The group's id. */
  groupId: string;
  /** The members' (final) task ids, in input order. */
  taskIds: string[];
  /** Waits for every member: one result per member, in input order, failures included. */
  results(
    options?: CanvasWaitOptions,
  ): Promise<{ -readonly [K in keyof Results]: TaskResult<Results[K]> }>;
}

/** A started chord. */
export interface ChordRun<Result> {
  /** The chord's id (its body group's id). */
  chordId: string;
  /** The callback's task id, known before it is published. */
  callbackTaskId: string;
  /** The body's task ids, in body order. */
  taskIds: string[];
  /** Waits for the callback; a failed body member makes it `failed` (code `canvas-step-failed`). */
  result(options?: CanvasWaitOptions): Promise<TaskResult<Result>>;
}

/** A submitted batch. */
export interface BatchSubmission {
  /** The batch id. */
  batchId: string;
  /** Its task ids, in submit order. */
  taskIds: string[];
  /** True when the id was submitted before: nothing new was published. */
  existing: boolean;
}

/** Where a batch stands. */
export type BatchState = "pending" | "running" | "succeeded" | "failed" | "cancelled" | "partial";

/** A batch's progress, from {@link Canvas.inspectBatch}. */
export interface BatchStatus {
  /** The batch id. */
  batchId: string;
  /** Overall state: pending (nothing finished), running, one uniform terminal state, or partial. */
  state: BatchState;
  /** Number of tasks. */
  expected: number;
  /** Finished tasks. */
  completed: number;
  /** Finished tasks by state. */
  counts: Partial<Record<TaskState, number>>;
  /** Task ids, in submit order. */
  taskIds: string[];
}

/** Options of {@link Canvas.batch}. */
export interface BatchOptions {
  /** The caller's id: a second submit with it publishes nothing and returns the stored ids. */
  batchId: string;
  /** How long the batch record lives. @default "1d" */
  ttl?: Duration;
}

function batchKey(id: string): string {
  return `stem:canvas:batch:${id}`;
}

/**
 * Runs signatures as chains, groups, chords and batches. Chains and chords are worker-driven:
 * each task's envelope carries what follows it, so a canvas finishes after the process that
 * started it has gone. Everything is published through the producer's one path (middleware,
 * signing, `queued` statuses).
 *
 * @example
 * ```ts ignore
 * const canvas = new Canvas(app.stem);
 * const run = await canvas.chain([add.signature({ a: 1, b: 2 }), double.signature({}, { previousResultAs: "n" })]);
 * const result = await run.result({ timeout: "5s" });
 * ```
 */
export class Canvas {
  /** The producer canvases publish through. */
  readonly stem: Stem;
  readonly #kv: AtomicKv | undefined;

  /** A canvas over a producer (or anything holding one as `stem`, like a `StemApp`). */
  constructor(stem: Stem | { readonly stem: Stem }, options: CanvasOptions = {}) {
    this.stem = "enqueueWithLineage" in stem ? stem : stem.stem;
    this.#kv = options.kv;
  }

  /** Starts a chain: each step runs after the previous one succeeded, with its result. */
  async chain<const S extends readonly [CanvasNode, ...CanvasNode[]]>(
    steps: S,
    options: { onError?: TaskSignature; chainId?: string } = {},
  ): Promise<ChainRun<ResultOf<LastOf<S>>>> {
    const chainId = options.chainId ?? `chain-${uuidv7(this.stem.clock.now())}`;
    const wire = compile(chainNode(steps, { onError: options.onError }), chainId);
    await this.#start(wire);
    const last = wire.t === "chain" ? wire.steps[wire.steps.length - 1] : wire;
    return {
      chainId,
      finalTaskId: finalOf(last)?.id ?? (last as { id: string }).id,
      result: (o) => this.#wait(last, o) as Promise<TaskResult<ResultOf<LastOf<S>>>>,
    };
  }

  /** Starts a group: members run in parallel; results come back in input order. */
  async group<const S extends readonly CanvasNode[]>(
    members: S,
    options: { groupId?: string } = {},
  ): Promise<GroupRun<ResultsOf<S>>> {
    const groupId = options.groupId ?? `group-${uuidv7(this.stem.clock.now())}`;
    const wire = compile(groupNode(members), groupId);
    await this.#start(wire);
    const list = (wire as Extract<WireNode, { t: "group" }>).members;
    return {
      groupId,
      taskIds: list.map((m) => finalOf(m)!.id),
      results: (o) => Promise.all(list.map((m) => this.#wait(m, o))) as never,
    };
  }

  /**
   * Starts a chord: the body runs as a group; once every member succeeded, the worker that
   * records the last result publishes `callback` with the results in body order. A member that
   * fails for good fails the chord instead: the callback never runs and `onError` runs once.
   */
  async chord<Result>(
    body: GroupNode<readonly unknown[]> | readonly CanvasNode[],
    callback: TaskSignature<Result>,
    options: { onError?: TaskSignature; chordId?: string } = {},
  ): Promise<ChordRun<Result>> {
    const chordId = options.chordId ?? `chord-${uuidv7(this.stem.clock.now())}`;
    const wire = compile(chordNode(body, callback, options), chordId);
    await this.#start(wire);
    const steps = (wire as Extract<WireNode, { t: "chain" }>).steps;
    const callbackNode = steps[steps.length - 1];
    const bodyNode = steps[0] as Extract<WireNode, { t: "group" }>;
    return {
      chordId,
      callbackTaskId: finalOf(callbackNode)!.id,
      taskIds: bodyNode.members.map((m) => finalOf(m)!.id),
      result: (o) => this.#wait(callbackNode, o) as Promise<TaskResult<Result>>,
    };
  }

  /**
   * Submits signatures as one batch under the caller's id, once: a second submit with the same
   * id publishes nothing and returns the stored task ids (`existing: true`).
   */
  async batch(
    signatures: readonly TaskSignature[],
    options: BatchOptions,
  ): Promise<BatchSubmission> {
    const kv = this.#requireKv();
    const batchId = options.batchId;
    if (typeof batchId !== "string" || batchId === "") {
      throw new ValidationError("batch", [{
        path: ["batchId"],
        message: "must be a non-empty string",
      }]);
    }
    if (signatures.length === 0) {
      throw new ValidationError("batch", [{ path: ["signatures"], message: "must not be empty" }]);
    }
    const wire = compile(groupNode(signatures), batchId) as Extract<WireNode, { t: "group" }>;
    const taskIds = wire.members.map((m) => finalOf(m)!.id);
    const record = JSON.stringify({ taskIds, createdAt: this.stem.clock.now() });
    const ttl = options.ttl ?? "1d";
    if (!await kv.setIfAbsent(batchKey(batchId), record, { ttl })) {
      const stored = await kv.get(batchKey(batchId));
      const ids = stored ? (JSON.parse(stored) as { taskIds: string[] }).taskIds : taskIds;
      return { batchId, taskIds: ids, existing: true };
    }
    try {
      await this.#start(wire, { "stem.batch": true });
    } catch (error) {
      // Nothing (or not all) went out: free the id so the caller can submit again.
      await kv.delete(batchKey(batchId)).catch(() => {});
      throw error;
    }
    return { batchId, taskIds, existing: false };
  }

  /** Where a batch stands; null when the id is unknown or its record expired. */
  async inspectBatch(batchId: string): Promise<BatchStatus | null> {
    const group = await this.#groups().getGroup(batchId);
    if (!group) return null;
    const plan = group.meta[GROUP_META_KEY] as unknown as GroupPlan | undefined;
    const taskIds = plan?.order ?? Object.keys(group.results);
    const counts: Partial<Record<TaskState, number>> = {};
    const results = Object.values(group.results);
    for (const r of results) counts[r.state] = (counts[r.state] ?? 0) + 1;
    const completed = results.length;
    let state: BatchState;
    if (completed === 0) state = "pending";
    else if (completed < group.expected) state = "running";
    else {
      const states = Object.keys(counts) as TaskState[];
      state = states.length === 1 ? states[0] as BatchState : "partial";
    }
    return { batchId, state, expected: group.expected, completed, counts, taskIds };
  }

  async #start(wire: WireNode, groupMeta?: Record<string, true>): Promise<void> {
    await dispatch(this.stem, this.#groups(), wire, undefined, {}, { groupMeta });
  }

  async #wait(node: WireNode, options: CanvasWaitOptions = {}): Promise<TaskResult<unknown>> {
    const final = finalOf(node);
    if (final) return await this.stem.waitForTask(final.id, options);
    const members = await Promise.all(
      (node as Extract<WireNode, { t: "group" }>).members.map((m) => this.#wait(m, options)),
    );
    const bad = members.find((m) => !m.isSucceeded);
    const id = (node as { id: string }).id;
    const value = bad ? undefined : members.map((m) => m.value);
    const status = bad?.status ?? members[members.length - 1].status;
    return new TaskResult(id, status, value, { timedOut: members.some((m) => m.timedOut) });
  }

  #groups(): GroupStore {
    const backend = this.stem.backend;
    if (!backend) {
      throw new StemError(
        ErrorCode.invalidConfig,
        "The canvas needs a result backend (groups and statuses): pass { backend } to new Stem().",
      );
    }
    return backend;
  }

  #requireKv(): AtomicKv {
    if (!this.#kv) {
      throw new StemError(
        ErrorCode.invalidConfig,
        "canvas.batch() needs a key-value store: use app.canvas or new Canvas(stem, { kv: stores.kv }).",
      );
    }
    return this.#kv;
  }
}
