import type { TaskError, TaskState } from "../../backend/task_status.ts";
import { DeadLetterReason } from "../../core/dead_letters.ts";
import type { JsonValue } from "../../core/envelope.ts";
import { MetaKey } from "../../core/meta_keys.ts";
import { silentLogger } from "../../observability/logger.ts";
import { emitSignal, hasListeners } from "../../signals/stem_signals.ts";
import { toTaskError } from "../error_info.ts";
import type { RunnerDeps } from "./deps.ts";
import { type LinkFailure, publishLinks } from "./links.ts";
import type { TaskOutcome } from "../../core/task_outcome.ts";
import { SuccessExtras } from "./run_objects.ts";
import { SETTLE_RETRY_DELAYS_MS, withRetry } from "./settle.ts";
import type { StatusWriter } from "./status_writer.ts";

/** What recording an outcome needs from its run. */
export interface OutcomeTarget {
  /** The worker's dependencies. */
  readonly deps: RunnerDeps;
  /** The run's ordered status writer. */
  readonly writer: StatusWriter;
  /** When the handler started, if it did. */
  startedAt(): number | undefined;
  /** The delivery was acked before the handler ran (`acksLate: false`). */
  ackedEarly(): boolean;
  /** Marks the delivery settled; false when it already was (or the run was taken back). */
  claimSettle(): boolean;
}

/**
 * Records an outcome: its status (never over a terminal one left by another copy), follow-ups,
 * then the broker settle, retried with back-off. Never throws, so the run always ends.
 */
export async function recordOutcome(outcome: TaskOutcome, target: OutcomeTarget): Promise<void> {
  if (!target.claimSettle()) return;
  // Only a copy whose lease ran out needs the status read (and its await).
  const stale = finishedMeanwhile(outcome, target);
  const finished = stale === null ? null : await stale;
  if (finished) {
    outcome = { delivery: outcome.delivery, ref: outcome.ref, kind: "duplicate", state: finished };
  }
  const { deps, writer } = target;
  const { delivery, ref } = outcome;
  const broker = deps.broker;
  const now = deps.clock.now();
  const ran = { startedAt: target.startedAt(), finishedAt: now };
  switch (outcome.kind) {
    case "succeeded": {
      const links = delivery.envelope.link;
      const meta = links?.length
        ? linkMeta(await publishLinks(links, "link", deps, delivery))
        : NO_META;
      await settle(target, outcome, () => {
        const { stored: result, encoder } = outcome;
        const extras = new SuccessExtras(result, encoder, ran, meta);
        return target.ackedEarly()
          ? writer.write("succeeded", extras)
          : writer.writeAndAck("succeeded", extras);
      });
      if (!hasListeners(deps.signals, "taskSucceeded")) return;
      return emitSignal(deps.signals, "taskSucceeded", {
        ...ref,
        result: outcome.result,
        runtimeMs: outcome.runtimeMs,
      });
    }
    case "retried": {
      const { error, next, nextRetryAt } = outcome;
      await settle(target, outcome, async () => {
        const timestamps = { startedAt: target.startedAt() };
        const meta = { ...outcome.meta, retryAt: nextRetryAt };
        await writer.write("retried", { error, timestamps, meta });
        if (target.ackedEarly()) await broker.publish(next);
        else await broker.nack(delivery, { requeue: true, envelope: next });
      });
      return emitSignal(deps.signals, "taskRetry", { ...ref, error, nextRetryAt });
    }
    case "failed": {
      const failures = await publishLinks(delivery.envelope.linkError, "linkError", deps, delivery);
      const meta = linkMeta(failures);
      const timestamps = outcome.ran ? ran : { finishedAt: now };
      await settle(target, outcome, async () => {
        await writer.write("failed", { error: outcome.error, timestamps, meta });
        // An early-acked delivery is gone from the broker: its failure lives on the status only.
        if (!target.ackedEarly()) {
          await broker.deadLetter(delivery, outcome.reason, errorMeta(outcome.error));
        }
      });
      const deadLetterReason = target.ackedEarly() ? undefined : outcome.reason;
      return emitSignal(deps.signals, "taskFailed", {
        ...ref,
        error: outcome.error,
        deadLetterReason,
      });
    }
    case "rejected": {
      const { reason, error } = outcome;
      await settle(target, outcome, async () => {
        await writer.write("failed", {
          error,
          timestamps: { finishedAt: now },
          meta: { deadLetterReason: reason },
        });
        await broker.deadLetter(delivery, reason, errorMeta(error));
      });
      return emitSignal(deps.signals, "taskRejected", { ...ref, reason, message: error.message });
    }
    case "expired":
    case "cancelled": {
      const error = outcome.kind === "expired" ? outcome.error : cancelledError(outcome.reason);
      const meta: Record<string, JsonValue> = outcome.kind === "expired"
        ? { expired: true }
        : { cancelled: outcome.reason };
      await settle(target, outcome, async () => {
        await writer.write("cancelled", { error, timestamps: { finishedAt: now }, meta });
        await broker.ack(delivery);
      });
      const reason = outcome.kind === "expired" ? "expired" : outcome.reason;
      return emitSignal(deps.signals, "taskCancelled", { ...ref, reason });
    }
    case "duplicate":
      (deps.logger ?? silentLogger).debug("Acked a stale copy of a finished task", {
        taskId: ref.id,
      });
      await settle(target, outcome, () => broker.ack(delivery));
  }
}

/**
 * A copy whose lease ran out may have been finished by another worker meanwhile: the read of
 * that, or null (synchronously) when the lease still held.
 */
function finishedMeanwhile(
  outcome: TaskOutcome,
  target: OutcomeTarget,
): Promise<TaskState | null> | null {
  const kind = outcome.kind;
  if (kind !== "succeeded" && kind !== "retried" && kind !== "failed") return null;
  const lease = outcome.delivery.leaseExpiresAt;
  if (lease === null || target.deps.clock.now() <= lease) return null;
  return target.writer.finishedState().catch(() => null);
}

/** The meta a status write adds when nothing is to add; never written to. */
const NO_META: Record<string, JsonValue> = Object.freeze({}) as Record<string, JsonValue>;

async function settle(
  target: OutcomeTarget,
  outcome: TaskOutcome,
  action: () => Promise<void>,
): Promise<void> {
  const { deps } = target;
  const logger = deps.logger ?? silentLogger;
  const delays = deps.settleRetryDelays ?? SETTLE_RETRY_DELAYS_MS;
  const context = () => ({
    clock: deps.clock,
    logger,
    delays,
    fields: { taskId: outcome.ref.id, outcome: outcome.kind },
  });
  const done = await withRetry(action, context);
  if (done.ok) return;
  const fields = { taskId: outcome.ref.id, outcome: outcome.kind };
  if (!done.permanent) {
    // Still failing: leave it unsettled; its lease runs out and it is redelivered (maxDeliveries bounds it).
    return logger.error("Could not settle a task; it will be redelivered", {
      ...fields,
      error: done.error,
    });
  }
  const error = toTaskError(done.error, false);
  const reason = DeadLetterReason.settleFailed;
  const fallback = await withRetry(async () => {
    await target.writer.write("failed", {
      error,
      timestamps: { finishedAt: deps.clock.now() },
      meta: { deadLetterReason: reason },
    });
    await deps.broker.deadLetter(outcome.delivery, reason, errorMeta(error));
  }, context);
  if (!fallback.ok) {
    logger.error("Could not settle or dead-letter a task", { ...fields, error: fallback.error });
  }
}

function linkMeta(failures: LinkFailure[]): Record<string, JsonValue> {
  return failures.length ? { [MetaKey.linkFailures]: failures as unknown as JsonValue } : {};
}

function cancelledError(reason: string): TaskError {
  return {
    type: "TaskCancelled",
    message: reason.startsWith("revoked: ")
      ? `Task ${reason}.`
      : `Cancelled before it ran: ${reason}.`,
    retryable: false,
  };
}

function errorMeta(info: TaskError): Record<string, JsonValue> {
  return { error: `${info.type}: ${info.message}`, errorType: info.type };
}
