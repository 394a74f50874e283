import { validateEnvelopeFields } from "./envelope_validation.ts";
import { EnvelopeError } from "./errors.ts";
import { MetaKey } from "./meta_keys.ts";

/** JSON-compatible value. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/** Retry settings carried by a task; see the Workers guide for the delay formula. */
export interface TaskRetryPolicy {
  /** Grow the delay exponentially with the attempt. @default false */
  backoff?: boolean;
  /** Base delay in ms (the constant delay when `backoff` is off). @default 0 */
  defaultDelay?: number;
  /** Upper bound for the delay in ms when `backoff` is on. */
  backoffMax?: number;
  /** Subtract up to 25% random jitter from the delay. @default true */
  jitter?: boolean;
  /** Overrides the task's `maxRetries`. */
  maxRetries?: number;
}

/** Time limits carried by a task, in ms. */
export interface TaskTimeLimits {
  /** Emits a `taskSoftTimeLimit` event when passed. */
  soft?: number;
  /** Aborts `ctx.signal` and fails (or retries) the task with `TaskTimeoutError`. */
  hard?: number;
}

/** A follow-up task enqueued when a task succeeds (`link`) or fails (`linkError`). */
export interface LinkedCall {
  /** Task name. */
  name: string;
  /** Plain JSON arguments. */
  args?: Record<string, JsonValue>;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** Extra metadata. */
  meta?: Record<string, JsonValue>;
  /** Queue override. */
  queue?: string;
}

/** Signature block added by a payload signer. */
export interface EnvelopeSignature {
  /** Algorithm id, e.g. `"hmac-sha256"`. */
  alg: string;
  /** Key id used to sign. */
  kid: string;
  /** Base64 signature over the canonical envelope. */
  sig: string;
}

/** The wire format of one task message (version 1). Times are epoch milliseconds. */
export interface Envelope {
  /** Wire format version. */
  v: 1;
  /** Task id; retries keep the same id. */
  id: string;
  /** Task name. */
  name: string;
  /** Arguments after the args encoder ran. */
  args: JsonValue;
  /** String headers (trace context, tenant, ...). */
  headers: Record<string, string>;
  /** Free-form metadata, copied onto every status write. */
  meta: Record<string, JsonValue>;
  /** Queue name. */
  queue: string;
  /** 0–9, higher runs first. */
  priority: number;
  /** 0-based attempt counter. */
  attempt: number;
  /**
   * Retries allowed after the first attempt. Absent when the producer did not set it: the worker
   * then takes its own handler's option (envelopes written before this rule always carry it).
   */
  maxRetries?: number;
  /** Not visible to workers before this time. */
  notBefore: number | null;
  /** Not run after this time. */
  expires: number | null;
  /** When the producer created the message. */
  enqueuedAt: number;
  /** Per-task retry policy. */
  retryPolicy?: TaskRetryPolicy;
  /** Per-task time limits. */
  timeLimits?: TaskTimeLimits;
  /** Lease length in ms for this task's deliveries. */
  visibilityTimeout?: number;
  /** Ack after the handler finishes (true) or before it runs (false); absent: the worker decides. */
  acksLate?: boolean;
  /** Deliveries (lease expiries included) after which the task is dead-lettered unrun. */
  maxDeliveries?: number;
  /** Follow-ups on success. */
  link?: LinkedCall[];
  /** Follow-ups on failure. */
  linkError?: LinkedCall[];
  /** Group membership (canvas). */
  groupId?: string;
  /** Chord membership (canvas). */
  chordId?: string;
  /**
   * Canvas continuation (`src/canvas/wire.ts`): the rest of a chain, a chord membership, an error
   * callback and the previous step's result. Kept out of `meta`, which every status copies.
   */
  canvas?: { [key: string]: JsonValue };
  /** Task that enqueued this one. */
  parentId?: string;
  /** First task of the lineage. */
  rootId?: string;
  /** Id of the payload encoder that produced `args`; JSON when absent. */
  encoder?: string;
  /** Do not store the result value. */
  ignoreResult?: boolean;
  /** Signature, when the producer signs. */
  signature?: EnvelopeSignature;
}

/** Serialises an envelope for the broker. */
export function encodeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const REQUIRED_STRINGS = ["id", "name", "queue"] as const;
const REQUIRED_NUMBERS = ["priority", "attempt", "enqueuedAt"] as const;

/**
 * Parses and validates one broker message; throws {@link EnvelopeError} naming the first bad field.
 */
export function decodeEnvelope(raw: string | Envelope): Envelope {
  let value: unknown = raw;
  if (typeof raw === "string") {
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new EnvelopeError(`Message is not valid JSON: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  if (!isRecord(value)) throw new EnvelopeError("Message is not a JSON object.");
  if (value.v !== 1) {
    throw new EnvelopeError(`Unsupported envelope version ${JSON.stringify(value.v)}; expected 1.`);
  }
  for (const key of REQUIRED_STRINGS) {
    if (typeof value[key] !== "string" || value[key] === "") {
      throw new EnvelopeError(`Envelope field "${key}" must be a non-empty string.`);
    }
  }
  for (const key of REQUIRED_NUMBERS) {
    if (typeof value[key] !== "number" || !Number.isFinite(value[key])) {
      throw new EnvelopeError(`Envelope field "${key}" must be a number.`);
    }
  }
  if (!isRecord(value.headers)) {
    throw new EnvelopeError(`Envelope field "headers" must be an object.`);
  }
  if (!isRecord(value.meta)) throw new EnvelopeError(`Envelope field "meta" must be an object.`);
  if (!("args" in value)) throw new EnvelopeError(`Envelope field "args" is missing.`);
  for (const key of ["notBefore", "expires"] as const) {
    if (value[key] === undefined) value[key] = null;
    if (value[key] !== null && typeof value[key] !== "number") {
      throw new EnvelopeError(`Envelope field "${key}" must be a number or null.`);
    }
  }
  validateEnvelopeFields(value);
  return value as unknown as Envelope;
}

/**
 * How much of a malformed broker entry its dead letter keeps, in characters (64 Ki, the HTTP
 * API's body limit): a real envelope fits whole, and a huge blob cannot bloat the dead-letter
 * queue and the status it is copied to.
 */
export const MAX_RAW_ENTRY_LENGTH = 65_536;

/**
 * Builds a stand-in envelope for a message that could not be parsed, so it can be dead-lettered
 * with its raw text kept in `meta["stem.raw"]`: whole up to {@link MAX_RAW_ENTRY_LENGTH}
 * characters, else cut there with `stem.rawTruncated: true` and `stem.rawLength`.
 */
export function malformedEnvelope(
  id: string,
  queue: string,
  raw: string,
  now: number,
): Envelope {
  const meta: Record<string, JsonValue> = { [MetaKey.raw]: raw };
  if (raw.length > MAX_RAW_ENTRY_LENGTH) {
    let end = MAX_RAW_ENTRY_LENGTH;
    // Never end on the first half of a surrogate pair: the cut text stays valid UTF-16.
    const last = raw.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff) end--;
    meta[MetaKey.raw] = raw.slice(0, end);
    meta[MetaKey.rawTruncated] = true;
    meta[MetaKey.rawLength] = raw.length;
  }
  return {
    v: 1,
    id,
    name: "(malformed)",
    args: null,
    headers: {},
    meta,
    queue,
    priority: 0,
    attempt: 0,
    notBefore: null,
    expires: null,
    enqueuedAt: now,
  };
}
