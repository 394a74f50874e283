import type { TaskState } from "../../backend/task_status.ts";
import type { Delivery } from "../../broker/broker.ts";
import { DeadLetterReason } from "../../core/dead_letters.ts";
import type { Envelope } from "../../core/envelope.ts";
import { SignatureError, TaskExpiredError, UnknownTaskError } from "../../core/errors.ts";
import { MetaKey } from "../../core/meta_keys.ts";
import type { AnyTaskHandler } from "../../core/task_handler.ts";
import { silentLogger } from "../../observability/logger.ts";
import type { TaskRef } from "../../signals/stem_signals.ts";
import { toTaskError } from "../error_info.ts";
import { decodeArgs } from "./decode_args.ts";
import type { RunnerDeps } from "./deps.ts";
import { linkProblem } from "./link_shape.ts";
import type { OutcomeBase, TaskOutcome } from "../../core/task_outcome.ts";
import { resolveRunOptions, type RunOptions } from "./run_options.ts";
import type { StatusWriter } from "./status_writer.ts";

/** A delivery cleared to run. */
export interface Admitted {
  /** The worker's handler. */
  handler: AnyTaskHandler;
  /** Decoded, validated args. */
  args: unknown;
  /** Resolved options. */
  options: RunOptions;
}

/** The admission verdict: run it, or the outcome it ends with unrun. */
export type Admission = { admitted: Admitted } | { outcome: TaskOutcome };

/**
 * Checks a delivery before anything runs, in order: malformed, signature, envelope shape,
 * unknown task, already finished (a stale copy), redelivered too often, expired, args. Revocation
 * plugs in as an `onConsume` middleware in front of this. Synchronous (no promise per task) when
 * nothing needs a round trip: no signature to verify, no status to read, plain JSON args.
 */
export function admit(
  delivery: Delivery,
  deps: RunnerDeps,
  ref: TaskRef,
  writer: StatusWriter,
): Admission | Promise<Admission> {
  const base = { delivery, ref };
  if (delivery.invalid) {
    return rejected(base, delivery.invalid.reason, {
      name: "EnvelopeError",
      message: delivery.invalid.error,
      code: delivery.invalid.reason,
    });
  }
  const finished = mayBeStaleCopy(delivery) ? finishedOrNull(writer, deps) : null;
  if (deps.signer) return verifyThenCheck(deps.signer, base, deps, finished);
  return check(base, deps, finished);
}

function rejected(base: OutcomeBase, reason: string, error: unknown): Admission {
  return { outcome: { ...base, kind: "rejected", reason, error: toTaskError(error, false) } };
}

async function verifyThenCheck(
  signer: NonNullable<RunnerDeps["signer"]>,
  base: OutcomeBase,
  deps: RunnerDeps,
  finished: Promise<TaskState | null> | null,
): Promise<Admission> {
  try {
    await signer.verify(base.delivery.envelope);
  } catch (error) {
    const reason = error instanceof SignatureError
      ? error.reason
      : DeadLetterReason.signatureInvalid;
    return rejected(base, reason, error);
  }
  return await check(base, deps, finished);
}

function check(
  base: OutcomeBase,
  deps: RunnerDeps,
  finished: Promise<TaskState | null> | null,
): Admission | Promise<Admission> {
  const envelope = base.delivery.envelope;
  const problem = linkProblem(envelope);
  if (problem) return rejected(base, DeadLetterReason.malformedEnvelope, problem);
  const linkFailure = envelope.meta[MetaKey.linkFailure];
  if (linkFailure !== undefined) {
    return rejected(
      base,
      DeadLetterReason.linkFailed,
      new Error(`Follow-up not published: ${linkFailure}`),
    );
  }
  const handler = deps.registry.get(envelope.name);
  if (!handler) {
    return rejected(base, DeadLetterReason.unknownTask, new UnknownTaskError(envelope.name));
  }
  if (finished === null) return checkRun(base, deps, handler);
  return finished.then((state): Admission | Promise<Admission> =>
    state ? { outcome: { ...base, kind: "duplicate", state } } : checkRun(base, deps, handler)
  );
}

function checkRun(
  base: OutcomeBase,
  deps: RunnerDeps,
  handler: AnyTaskHandler,
): Admission | Promise<Admission> {
  const { delivery } = base;
  const envelope = delivery.envelope;
  const options = resolveRunOptions(envelope, handler);
  const count = delivery.deliveryCount;
  if (count > options.maxDeliveries) {
    return rejected(
      base,
      DeadLetterReason.leaseExpiredRepeatedly,
      leaseError(envelope, count, options),
    );
  }
  if (envelope.expires !== null && deps.clock.now() > envelope.expires) {
    const error = toTaskError(new TaskExpiredError(envelope.name, envelope.expires), false);
    return { outcome: { ...base, kind: "expired", error } };
  }
  return decodeArgs(handler, envelope, deps, base, options);
}

/**
 * Whether this delivery could be a copy of a run that already finished, which costs a status read
 * to rule out. A redelivery (lease passed, nack) counts above 1, and a retry is a replacement
 * envelope; tasks with a parent or group may be re-published under the same id (a parent that
 * re-runs re-publishes its links). A first delivery of any other envelope is the only copy of a
 * new task: the producer refuses an explicit id that exists, a generated one is new, and a replay
 * resets the status to `queued` before it re-publishes. Skipping the read there saves one backend
 * round trip per task on the hot path.
 */
export function mayBeStaleCopy(delivery: Delivery): boolean {
  const e = delivery.envelope;
  return delivery.deliveryCount > 1 || e.attempt > 0 || e.parentId !== undefined ||
    e.groupId !== undefined;
}

function finishedOrNull(writer: StatusWriter, deps: RunnerDeps): Promise<TaskState | null> {
  return writer.finishedState().catch((error) => {
    // Unknown is treated as not finished: running a task twice is safer than never running it.
    (deps.logger ?? silentLogger).warn("Could not read a task's status before running it", {
      error,
    });
    return null;
  });
}

function leaseError(envelope: Envelope, count: number, options: RunOptions): Error {
  return new Error(
    `Task "${envelope.name}" was delivered ${count} times (maxDeliveries ${options.maxDeliveries}) ` +
      "without settling: each lease ran out first. Raise visibilityTimeout or find what hangs.",
  );
}
