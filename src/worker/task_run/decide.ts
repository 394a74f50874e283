import { DeadLetterReason } from "../../core/dead_letters.ts";
import type { Envelope, JsonValue } from "../../core/envelope.ts";
import { ErrorCode } from "../../core/error_codes.ts";
import { RetryExhaustedError, StemError, TaskRetryRequest } from "../../core/errors.ts";
import { policyDelay, policyHasDelay } from "../../core/retry_policy.ts";
import type { AnyTaskHandler } from "../../core/task_handler.ts";
import { isRetryable, toTaskError } from "../error_info.ts";
import type { RunnerDeps } from "./deps.ts";
import type {
  FailedOutcome,
  OutcomeBase,
  RetriedOutcome,
  TaskOutcome,
} from "../../core/task_outcome.ts";
import type { RunOptions } from "./run_options.ts";
import type { TaskPayloadEncoder } from "../../producer/payload_encoder.ts";

/**
 * The outcome of a handler that returned: `succeeded` with the encoded result, or `failed` once,
 * without retries, when the result cannot be stored (BigInt, cycle): re-running would not help.
 */
export function succeeded(
  base: OutcomeBase,
  handler: AnyTaskHandler,
  result: unknown,
  deps: RunnerDeps,
  runtimeMs: number,
): TaskOutcome | Promise<TaskOutcome> {
  const envelope = base.delivery.envelope;
  let encoder: TaskPayloadEncoder;
  let encoded: JsonValue | Promise<JsonValue>;
  try {
    encoder = deps.encoders.resolve(handler.metadata?.resultEncoder);
    encoded = envelope.ignoreResult ? null : encoder.encode(result ?? null);
  } catch (error) {
    return encodeFailed(base, error);
  }
  // The common JSON encoder answers synchronously: no promise per task then.
  if (encoded instanceof Promise) {
    return encoded.then(
      (stored) => storedOutcome(base, encoder, result, stored, runtimeMs),
      (error) => encodeFailed(base, error),
    );
  }
  return storedOutcome(base, encoder, result, encoded, runtimeMs);
}

function storedOutcome(
  base: OutcomeBase,
  encoder: TaskPayloadEncoder,
  result: unknown,
  stored: JsonValue,
  runtimeMs: number,
): TaskOutcome {
  try {
    assertJson(stored, base.delivery.envelope.name);
  } catch (error) {
    return encodeFailed(base, error);
  }
  const outcome = { ...base, kind: "succeeded" as const, result, stored, runtimeMs };
  return encoder.id === "json" ? outcome : { ...outcome, encoder: encoder.id };
}

function encodeFailed(base: OutcomeBase, error: unknown): TaskOutcome {
  const reason = DeadLetterReason.payloadEncodeFailed;
  return { ...base, kind: "failed", reason, error: toTaskError(error, false), ran: true };
}

function assertJson(value: JsonValue, name: string): void {
  try {
    JSON.stringify(value);
  } catch (error) {
    throw new StemError(
      ErrorCode.payloadEncodeFailed,
      `Task "${name}" returned a value that cannot be stored as JSON (${
        (error as Error).message
      }). ` +
        "Return plain JSON data (no BigInt, no cycles) or register a result encoder.",
      { cause: error },
    );
  }
}

/** The outcome of a handler that threw: a retry while retries are left, else a failure. */
export function failure(
  base: OutcomeBase,
  error: unknown,
  options: RunOptions,
  deps: RunnerDeps,
): RetriedOutcome | FailedOutcome {
  const envelope = base.delivery.envelope;
  const request = error instanceof TaskRetryRequest ? error : undefined;
  const maxRetries = request?.maxRetries ?? options.maxRetries;
  if (!request && !isRetryable(error)) {
    const info = toTaskError(error, false);
    return {
      ...base,
      kind: "failed",
      reason: DeadLetterReason.nonRetryable,
      error: info,
      ran: true,
    };
  }
  if (envelope.attempt < maxRetries) return retried(base, error, request, options, deps);
  const final = request
    ? new RetryExhaustedError(envelope.name, maxRetries, { cause: error })
    : error;
  const reason = DeadLetterReason.maxRetriesExhausted;
  return { ...base, kind: "failed", reason, error: toTaskError(final, false), ran: true };
}

function retried(
  base: OutcomeBase,
  error: unknown,
  request: TaskRetryRequest | undefined,
  options: RunOptions,
  deps: RunnerDeps,
): RetriedOutcome {
  const envelope = base.delivery.envelope;
  const policy = options.retryPolicy;
  const delay = request?.countdownMs ??
    (policyHasDelay(policy)
      ? policyDelay(policy, envelope.attempt, deps.random)
      : deps.retryStrategy.nextDelay(envelope.attempt, error));
  const nextRetryAt = request?.eta ?? deps.clock.now() + delay;
  const next: Envelope = { ...envelope, attempt: envelope.attempt + 1, notBefore: nextRetryAt };
  return { ...base, kind: "retried", error: toTaskError(error, true), next, nextRetryAt };
}
