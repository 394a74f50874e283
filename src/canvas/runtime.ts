import type { GroupStatus, GroupStore } from "../backend/group_store.ts";
import type { StatusStore } from "../backend/status_store.ts";
import type { TaskError, TaskStatus } from "../backend/task_status.ts";
import type { Clock } from "../core/clock.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";
import { ErrorCode } from "../core/error_codes.ts";
import { MetaKey } from "../core/meta_keys.ts";
import type { TaskOutcome } from "../core/task_outcome.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";
import { type Logger, silentLogger } from "../observability/logger.ts";
import type { Stem } from "../producer/stem.ts";
import { SETTLE_RETRY_DELAYS_MS, withRetry } from "../worker/task_run/settle.ts";
import { dispatch } from "./dispatch.ts";
import {
  type Continuation,
  GROUP_META_KEY,
  type GroupPlan,
  type MemberSlot,
  readContinuation,
} from "./wire.ts";

/** What the worker-side canvas needs. */
export interface CanvasRuntimeOptions {
  /** The worker's producer (follow-ups take the producer's one path). */
  stem: Stem;
  /** Groups and chord claims. */
  groups: GroupStore;
  /** Statuses (a chain's final task is marked failed when an earlier step fails). */
  statuses: StatusStore;
  /** Records that a claimed group's follow-up was published (recovery of a dead claimant). */
  kv?: AtomicKv;
  /** Time source. */
  clock: Clock;
  /** Diagnostics. */
  logger?: Logger;
  /** Worker id written on member statuses. */
  workerId: string;
}

/** Kv key marking that a claimed group's follow-up went out. */
export function dispatchedKey(groupId: string): string {
  return `stem:canvas:dispatched:${groupId}`;
}

/** How long the dispatched marker outlives a group. */
const MARKER_TTL = "2d";

/**
 * The worker side of the canvas, run just before an outcome is recorded (so a crash before the
 * settle re-runs it, and the follow-ups it publishes reuse their derived ids): publishes a
 * chain's next step with the result, records group members, and lets exactly one worker (the
 * `claimChord` winner) publish what follows a group.
 */
export class CanvasRuntime {
  readonly #o: CanvasRuntimeOptions;
  readonly #logger: Logger;

  /** Creates the runtime of one worker. */
  constructor(options: CanvasRuntimeOptions) {
    this.#o = options;
    this.#logger = options.logger ?? silentLogger;
  }

  /** True when the envelope belongs to a canvas. */
  wants(envelope: Envelope): boolean {
    return envelope.canvas !== undefined;
  }

  /** Runs the canvas follow-ups of `outcome`, then `record` (the status write and settle). */
  async onOutcome(
    outcome: TaskOutcome,
    record: (outcome: TaskOutcome) => Promise<void>,
  ): Promise<void> {
    const envelope = outcome.delivery.envelope;
    const cont = readContinuation(envelope.canvas);
    if (!cont) {
      this.#logger.error("A task's canvas continuation is malformed; it is ignored", {
        taskId: envelope.id,
      });
    } else {
      // Retried like a settle; a retry may find its own earlier claim, so it may re-publish.
      let tries = 0;
      const done = await withRetry(() => this.#follow(outcome, cont, tries++ > 0), {
        clock: this.#o.clock,
        logger: this.#logger,
        delays: SETTLE_RETRY_DELAYS_MS,
        fields: { taskId: envelope.id, canvas: true },
      });
      if (!done.ok) {
        // The settle still happens: holding the task back would not make the follow-up publish.
        this.#logger.error("A canvas follow-up could not be published", {
          taskId: envelope.id,
          error: done.error,
        });
      }
    }
    await record(outcome);
  }

  async #follow(outcome: TaskOutcome, cont: Continuation, retrying: boolean): Promise<void> {
    const envelope = outcome.delivery.envelope;
    // Only a redelivered run may find a claim whose follow-up never went out (its claimant died):
    // a first run that loses the claim leaves it to the live claimant.
    const again = retrying || outcome.kind === "duplicate" || outcome.delivery.deliveryCount > 1;
    switch (outcome.kind) {
      case "succeeded": {
        const value = outcome.encoder
          ? await this.#o.stem.encoders.resolve(outcome.encoder).decode(outcome.stored) as JsonValue
          : outcome.stored;
        return await this.#succeed(cont, value, envelope, again);
      }
      case "failed":
      case "rejected":
      case "expired":
        return await this.#fail(cont, outcome.error, envelope.id, envelope, again);
      case "cancelled":
        return await this.#fail(
          cont,
          {
            type: "TaskCancelled",
            message: `Cancelled: ${outcome.reason}.`,
            retryable: false,
          },
          envelope.id,
          envelope,
          again,
        );
      case "duplicate": {
        // A copy of a finished member: the run that finished it may have died before its
        // group's follow-up went out; re-check the group.
        if (!cont.member || cont.next?.length) return;
        const group = await this.#o.groups.getGroup(cont.member.group);
        if (group) await this.#settleGroup(group, true);
        return;
      }
      case "retried":
        return;
    }
  }

  async #succeed(
    cont: Continuation,
    value: JsonValue,
    from: Envelope,
    again: boolean,
  ): Promise<void> {
    if (cont.next?.length) {
      const [step, ...next] = cont.next;
      await dispatch(this.#o.stem, this.#o.groups, step, value, { ...cont, next }, {
        parentId: from.id,
        rootId: from.rootId ?? from.id,
      });
      return;
    }
    if (cont.member) {
      const status = this.#status(cont.member.id, from, "succeeded", value, null);
      await this.#record(cont.member, status, again);
    }
  }

  async #fail(
    cont: Continuation,
    error: TaskError,
    failedId: string,
    from: Envelope,
    again: boolean,
  ): Promise<void> {
    const work: Promise<unknown>[] = [];
    if (cont.onError) {
      const previous = { taskId: failedId, error: error as unknown as JsonValue };
      work.push(
        dispatch(this.#o.stem, this.#o.groups, cont.onError, previous, {}, {
          parentId: from.id,
          rootId: from.rootId ?? from.id,
        }),
      );
    }
    const failure: TaskError = {
      type: "CanvasStepFailed",
      message: `Step ${failedId} failed: ${error.message}`,
      retryable: false,
      code: ErrorCode.canvasStepFailed,
    };
    if (cont.final && cont.final.id !== failedId) {
      const status = this.#status(cont.final.id, from, "failed", null, failure);
      work.push(this.#o.statuses.set({ ...status, name: cont.final.name }));
    }
    await Promise.all(work);
    if (cont.member) {
      const own = cont.member.id === failedId ? error : failure;
      await this.#record(
        cont.member,
        this.#status(cont.member.id, from, "failed", null, own),
        again,
      );
    }
  }

  async #record(slot: MemberSlot, status: TaskStatus, again: boolean): Promise<void> {
    const group = await this.#o.groups.addGroupResult(slot.group, status);
    if (!group) {
      this.#logger.warn("A canvas group is gone (expired?); its member's result is dropped", {
        groupId: slot.group,
        taskId: status.id,
      });
      return;
    }
    await this.#settleGroup(group, again);
  }

  /** Publishes what follows a finished (or failed) group, once: the claimant does it. */
  async #settleGroup(group: GroupStatus, again: boolean): Promise<void> {
    const plan = group.meta[GROUP_META_KEY] as unknown as GroupPlan | undefined;
    if (!plan || !(plan.next?.length || plan.member || plan.onError || plan.final)) return;
    const results = Object.values(group.results);
    const failed = results.find((r) => r.state !== "succeeded");
    if (failed) {
      if (!await this.#claim(group.id, `${group.id}:failed`, again)) return;
      const error = failed.error ?? { type: "TaskFailed", message: "failed", retryable: false };
      const member: TaskError = {
        ...error,
        message: `Group ${group.id} member ${failed.id} failed: ${error.message}`,
      };
      await this.#fail(plan, member, failed.id, this.#groupEnvelope(group.id), again);
    } else {
      if (results.length < group.expected) return;
      const claimId = plan.next?.[0]?.t === "task" ? plan.next[0].id : `${group.id}:then`;
      if (!await this.#claim(group.id, claimId, again)) return;
      const values: JsonValue[] = [];
      for (const id of plan.order) {
        const status = group.results[id];
        values.push(
          status?.encoder
            ? await this.#o.stem.encoders.resolve(status.encoder).decode(status.result) as JsonValue
            : status?.result ?? null,
        );
      }
      await this.#succeed(plan, values, this.#groupEnvelope(group.id), again);
    }
    await this.#o.kv?.set(dispatchedKey(group.id), "1", { ttl: MARKER_TTL });
  }

  /**
   * True for the one worker that publishes a group's follow-up: the `claimChord` winner, or —
   * when the winner died before marking it published — whoever re-checks the group later (a
   * redelivered member). Derived ids keep such a re-publish from making a new task.
   */
  async #claim(groupId: string, claimId: string, again: boolean): Promise<boolean> {
    const groups = this.#o.groups;
    if (await groups.claimChord(groupId, claimId)) return true;
    if (!again) return false;
    const group = await groups.getGroup(groupId);
    if (group?.meta[MetaKey.chordCallbackTaskId] !== claimId) return false;
    if (this.#o.kv && await this.#o.kv.get(dispatchedKey(groupId)) !== null) return false;
    // Claimed, not marked: the claimant died around the publish. A callback a worker already
    // took is out (publishing again would only make a copy); a `queued` one may not be.
    const callback = await this.#o.statuses.get(claimId);
    return !callback || callback.state === "queued";
  }

  #groupEnvelope(groupId: string): Envelope {
    return { id: groupId } as Envelope;
  }

  #status(
    id: string,
    from: Envelope,
    state: "succeeded" | "failed",
    result: JsonValue,
    error: TaskError | null,
  ): TaskStatus {
    const now = this.#o.clock.now();
    return {
      id,
      name: from.name ?? "(group)",
      state,
      result,
      error,
      attempt: from.attempt ?? 0,
      meta: { ...from.meta, worker: this.#o.workerId, "stem.canvas.taskId": from.id },
      progress: null,
      timestamps: { createdAt: now, updatedAt: now, finishedAt: now },
    };
  }
}
