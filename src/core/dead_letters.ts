import type { Envelope } from "./envelope.ts";

/** Standard dead-letter reasons the worker uses. */
export const DeadLetterReason = {
  /** Retries used up; the last error is in the entry's meta. */
  maxRetriesExhausted: "max-retries-exhausted",
  /** No handler registered under the task name. */
  unknownTask: "unknown-task",
  /** The broker message was not a valid envelope. */
  malformedEnvelope: "malformed-envelope",
  /** Arguments failed the task's schema or could not be decoded. */
  invalidArgs: "invalid-args",
  /** The handler failed with an error that must not be retried. */
  nonRetryable: "non-retryable",
  /** The signature did not verify. */
  signatureInvalid: "signature-invalid",
  /** Signing is required and the envelope had none. */
  signatureMissing: "signature-missing",
  /** The signature names a key this worker does not trust. */
  unknownKey: "unknown-key",
  /** Delivered more than `maxDeliveries` times (each lease ran out before it settled). */
  leaseExpiredRepeatedly: "lease-expired-repeatedly",
  /** The result could not be encoded (BigInt, cycle, ...). */
  payloadEncodeFailed: "payload-encode-failed",
  /** A follow-up (`link`/`linkError`) that could not be published; the parent settled anyway. */
  linkFailed: "link-failed",
  /** Recording the outcome kept failing for a reason retrying cannot fix. */
  settleFailed: "settle-failed",
} as const;

/**
 * The envelope a dead letter is replayed as: attempt reset (so it gets its full retries again)
 * and `notBefore` from the optional delay. Only delivery fields change, so a signature that
 * covers the task itself stays valid.
 */
export function replayedEnvelope(envelope: Envelope, now: number, delayMs?: number): Envelope {
  return { ...envelope, attempt: 0, notBefore: delayMs ? now + delayMs : null };
}
