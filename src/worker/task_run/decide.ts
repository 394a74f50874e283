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

/**
 * The outcome of a handler that returned: `succeeded` with the encoded result, or `failed` once,
 * without retries, when the result cannot be stored (BigInt, cycle): re-running would not help.
 */
export async function succeeded(
  base: OutcomeBase,
  handler: AnyTaskHandler,
  result: unknown,
  deps: RunnerDeps,
  runtimeMs: number,
): Promise<TaskOutcome> {
  const envelope = base.delivery.envelope;
  try {
    const encoder = deps.encoders.resolve(handler.metadata?.resultEncoder);
    const encoded = envelope.ignoreResult ? null : encoder.encode(result ?? null);
    const stored = encoded instanceof Promise ? await encoded : encoded;
    assertJson(stored, envelope.name);
    const outcome = { ...base, kind: "succeeded" as const, result, stored, runtimeMs };
    return encoder.id === "json" ? outcome : { ...outcome, encoder: encoder.id };
  } catch (error) {
    const reason = DeadLetterReason.payloadEncodeFailed;
    return { ...base, kind: "failed", reason, error: toTaskError(error, false), ran: true };
  }
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
