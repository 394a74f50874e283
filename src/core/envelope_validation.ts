/**
 * The one place where a task's fields are checked on the way in: `Stem.enqueue` /
 * `enqueueMany` / `enqueueCall`, the HTTP API's body parser, and the worker's envelope decoding
 * all use these checks, so a value one entry point refuses is refused by every other.
 *
 * @module
 */
import { type Instant, isDuration, toEpochMillis } from "./duration.ts";
import { EnvelopeError, ValidationError, type ValidationIssue } from "./errors.ts";
import { findJsonProblem, formatPath, PayloadEncodeError } from "./json_check.ts";
import { queueNameProblem } from "./queue_name.ts";

type Path = PropertyKey[];

/** Collects issues with their field paths. */
class Issues {
  readonly list: ValidationIssue[] = [];

  add(path: Path, message: string): void {
    this.list.push({ path, message });
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${safeJson(value)}`;
}

function safeJson(value: unknown): string {
  if (typeof value === "bigint") return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function nonEmptyString(issues: Issues, value: unknown, path: Path): void {
  if (typeof value !== "string" || value === "") {
    issues.add(path, `must be a non-empty string, got ${typeName(value)}`);
  }
}

function optionalString(issues: Issues, value: unknown, path: Path): void {
  if (value !== undefined) nonEmptyString(issues, value, path);
}

function optionalBoolean(issues: Issues, value: unknown, path: Path): void {
  if (value !== undefined && typeof value !== "boolean") {
    issues.add(path, `must be true or false, got ${typeName(value)}`);
  }
}

function integerIn(issues: Issues, value: unknown, path: Path, min: number, max: number): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `${min} or more` : `from ${min} to ${max}`;
    issues.add(path, `must be an integer ${range}, got ${typeName(value)}`);
  }
}

function optionalInteger(issues: Issues, value: unknown, path: Path, min = 0, max?: number): void {
  if (value !== undefined) integerIn(issues, value, path, min, max ?? Number.MAX_SAFE_INTEGER);
}

function optionalDuration(issues: Issues, value: unknown, path: Path): void {
  if (value !== undefined && !isDuration(value)) {
    issues.add(
      path,
      `must be a duration (ms, or a string like "250ms", "30s", "5m"), got ${typeName(value)}`,
    );
  }
}

function optionalInstant(issues: Issues, value: unknown, path: Path): void {
  if (value === undefined) return;
  try {
    toEpochMillis(value as Instant);
  } catch {
    issues.add(
      path,
      `must be a time (Date, epoch ms, or ISO 8601 like "2026-05-01T09:00:00Z"), got ${
        typeName(value)
      }`,
    );
  }
}

function optionalQueue(issues: Issues, value: unknown, path: Path): void {
  if (value === undefined) return;
  const problem = queueNameProblem(value);
  if (problem !== undefined) {
    issues.add(path, `must be a valid queue name (letters, digits, "-_.:"): ${problem}`);
  }
}

function stringRecord(issues: Issues, value: unknown, path: Path): void {
  if (value === undefined) return;
  if (!isRecord(value)) return issues.add(path, `must be an object, got ${typeName(value)}`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== "string") {
      issues.add([...path, key], `must be a string, got ${typeName(item)}`);
    }
  }
}

function jsonRecord(issues: Issues, value: unknown, path: Path): void {
  if (value === undefined) return;
  if (!isRecord(value)) issues.add(path, `must be an object, got ${typeName(value)}`);
}

function retryPolicy(issues: Issues, value: unknown, path: Path, wire: boolean): void {
  if (value === undefined) return;
  if (!isRecord(value)) return issues.add(path, `must be an object, got ${typeName(value)}`);
  optionalBoolean(issues, value.backoff, [...path, "backoff"]);
  optionalBoolean(issues, value.jitter, [...path, "jitter"]);
  optionalInteger(issues, value.maxRetries, [...path, "maxRetries"]);
  for (const key of ["defaultDelay", "backoffMax"]) {
    // On the wire delays are ms numbers; callers may also write "2s".
    if (wire && value[key] !== undefined && typeof value[key] !== "number") {
      issues.add([...path, key], `must be a number of ms, got ${typeName(value[key])}`);
    } else optionalDuration(issues, value[key], [...path, key]);
  }
}

/** Checks a `link` / `linkError` value: an array of `{ name, args?, headers?, meta?, queue? }`. */
function links(issues: Issues, value: unknown, path: Path): void {
  if (value === undefined) return;
  if (!Array.isArray(value)) {
    return issues.add(
      path,
      `must be an array of { name, args?, headers?, meta?, queue? }, got ${typeName(value)}`,
    );
  }
  value.forEach((link: unknown, index) => {
    const at = [...path, index];
    if (!isRecord(link)) return issues.add(at, `must be an object, got ${typeName(link)}`);
    nonEmptyString(issues, link.name, [...at, "name"]);
    jsonRecord(issues, link.args, [...at, "args"]);
    stringRecord(issues, link.headers, [...at, "headers"]);
    jsonRecord(issues, link.meta, [...at, "meta"]);
    optionalQueue(issues, link.queue, [...at, "queue"]);
  });
}

const TASK_OPTION_KEYS = new Set([
  "queue",
  "priority",
  "maxRetries",
  "retryPolicy",
  "visibilityTimeout",
  "softTimeLimit",
  "hardTimeLimit",
  "acksLate",
  "maxDeliveries",
  "unique",
  "uniqueFor",
  "uniqueKey",
  "rateLimit",
  "groupRateLimit",
  "groupRateKey",
  "rateLimitFailureMode",
]);

const RATE_PATTERN = /^\s*\d+(?:\.\d+)?\s*\/\s*[smh]\s*$/;

const UNIQUE_MODES = new Set([true, false, "until-complete", "throttle", "debounce"]);

const ENQUEUE_OPTION_KEYS = new Set([
  "countdown",
  "eta",
  "expires",
  "expiresAt",
  "queue",
  "priority",
  "taskId",
  "ignoreResult",
  "retry",
  "retryPolicy",
  "link",
  "linkError",
  "encoder",
  "compression",
]);

function unknownKeys(
  issues: Issues,
  value: Record<string, unknown>,
  known: Set<string>,
  path: Path,
) {
  for (const key of Object.keys(value)) {
    if (!known.has(key)) {
      issues.add([...path, key], `is not a known field (known: ${[...known].join(", ")})`);
    }
  }
}

/** How strictly {@link enqueueRequestIssues} reads its input. */
export interface EnqueueCheckOptions {
  /** Report fields that are not part of the request's shape (typos in JSON bodies). @default false */
  rejectUnknownFields?: boolean;
}

function taskOptions(issues: Issues, value: unknown, path: Path, strict: boolean): void {
  if (value === undefined) return;
  if (!isRecord(value)) return issues.add(path, `must be an object, got ${typeName(value)}`);
  if (strict) unknownKeys(issues, value, TASK_OPTION_KEYS, path);
  optionalQueue(issues, value.queue, [...path, "queue"]);
  optionalInteger(issues, value.priority, [...path, "priority"], 0, 9);
  optionalInteger(issues, value.maxRetries, [...path, "maxRetries"]);
  retryPolicy(issues, value.retryPolicy, [...path, "retryPolicy"], false);
  for (const key of ["visibilityTimeout", "softTimeLimit", "hardTimeLimit"]) {
    optionalDuration(issues, value[key], [...path, key]);
  }
  optionalBoolean(issues, value.acksLate, [...path, "acksLate"]);
  uniqueOptions(issues, value, path);
  rateOptions(issues, value, path);
}

function rateOptions(issues: Issues, value: Record<string, unknown>, path: Path): void {
  for (const key of ["rateLimit", "groupRateLimit"]) {
    const rate = value[key];
    if (rate !== undefined && (typeof rate !== "string" || !RATE_PATTERN.test(rate))) {
      issues.add([...path, key], `must be like "10/s", "100/m" or "1000/h", got ${typeName(rate)}`);
    }
  }
  const groupKey = value.groupRateKey;
  if (groupKey !== undefined && typeof groupKey !== "string" && typeof groupKey !== "function") {
    issues.add(
      [...path, "groupRateKey"],
      `must be a header name or a function, got ${typeName(groupKey)}`,
    );
  }
  const mode = value.rateLimitFailureMode;
  if (mode !== undefined && mode !== "failOpen" && mode !== "failClosed") {
    issues.add(
      [...path, "rateLimitFailureMode"],
      `must be "failOpen" or "failClosed", got ${typeName(mode)}`,
    );
  }
}

function uniqueOptions(issues: Issues, value: Record<string, unknown>, path: Path): void {
  if (value.unique !== undefined && !UNIQUE_MODES.has(value.unique as string)) {
    issues.add(
      [...path, "unique"],
      `must be true, false, "until-complete", "throttle" or "debounce", got ${
        typeName(value.unique)
      }`,
    );
  }
  optionalDuration(issues, value.uniqueFor, [...path, "uniqueFor"]);
  if (value.uniqueKey !== undefined && typeof value.uniqueKey !== "function") {
    issues.add([...path, "uniqueKey"], `must be a function, got ${typeName(value.uniqueKey)}`);
  }
  if (value.unique === "debounce" && value.uniqueFor === undefined) {
    issues.add([...path, "uniqueFor"], 'is required with unique: "debounce" (the window)');
  }
}

function enqueueOptions(issues: Issues, value: unknown, path: Path, strict: boolean): void {
  if (value === undefined) return;
  if (!isRecord(value)) return issues.add(path, `must be an object, got ${typeName(value)}`);
  if (strict) unknownKeys(issues, value, ENQUEUE_OPTION_KEYS, path);
  optionalDuration(issues, value.countdown, [...path, "countdown"]);
  optionalInstant(issues, value.eta, [...path, "eta"]);
  if (value.expires instanceof Date) {
    issues.add([...path, "expires"], "is a duration from enqueue time; use expiresAt for a Date");
  } else optionalDuration(issues, value.expires, [...path, "expires"]);
  optionalInstant(issues, value.expiresAt, [...path, "expiresAt"]);
  optionalQueue(issues, value.queue, [...path, "queue"]);
  optionalInteger(issues, value.priority, [...path, "priority"], 0, 9);
  optionalString(issues, value.taskId, [...path, "taskId"]);
  optionalBoolean(issues, value.ignoreResult, [...path, "ignoreResult"]);
  optionalBoolean(issues, value.retry, [...path, "retry"]);
  retryPolicy(issues, value.retryPolicy, [...path, "retryPolicy"], false);
  links(issues, value.link, [...path, "link"]);
  links(issues, value.linkError, [...path, "linkError"]);
  optionalString(issues, value.encoder, [...path, "encoder"]);
  if (value.compression !== undefined && value.compression !== "gzip") {
    issues.add([...path, "compression"], `must be "gzip", got ${typeName(value.compression)}`);
  }
}

/**
 * Every problem with an enqueue request (`{ args, options, enqueueOptions, headers, meta,
 * notBefore }`), each with its field path; `[]` when it is valid. Args are not shape-checked
 * here (the task's schema does that); see {@link assertPayloadsEncodable} for JSON encodability.
 */
export function enqueueRequestIssues(
  request: unknown,
  options: EnqueueCheckOptions = {},
): ValidationIssue[] {
  const issues = new Issues();
  const strict = options.rejectUnknownFields === true;
  if (!isRecord(request)) {
    issues.add([], `must be an object, got ${typeName(request)}`);
    return issues.list;
  }
  taskOptions(issues, request.options, ["options"], strict);
  enqueueOptions(issues, request.enqueueOptions, ["enqueueOptions"], strict);
  stringRecord(issues, request.headers, ["headers"]);
  jsonRecord(issues, request.meta, ["meta"]);
  optionalInstant(issues, request.notBefore, ["notBefore"]);
  return issues.list;
}

/**
 * Checks a task name and an enqueue request; throws `ValidationError` (`validation-failed`)
 * listing every bad field by path, e.g. `enqueueOptions.link[0].name: must be a non-empty string`.
 */
export function validateEnqueueRequest(name: unknown, request: unknown): void {
  const issues = enqueueRequestIssues(request);
  if (typeof name !== "string" || name === "") {
    issues.unshift({
      path: ["name"],
      message: `must be a non-empty string, got ${typeName(name)}`,
    });
  }
  if (issues.length > 0) {
    const subject = typeof name === "string" && name ? `enqueue of task "${name}"` : "enqueue";
    throw new ValidationError(subject, issues);
  }
}

/**
 * Throws `PayloadEncodeError` (`payload-encode-failed`) naming the path when args, meta or a
 * link's args/meta cannot be encoded as JSON (BigInt, function, symbol, a cycle, nesting deeper
 * than `MAX_PAYLOAD_DEPTH`).
 */
export function assertPayloadsEncodable(
  args: unknown,
  request: { meta?: unknown; enqueueOptions?: { link?: unknown; linkError?: unknown } },
): void {
  const fields: [Path, unknown][] = [[["args"], args], [["meta"], request.meta]];
  for (const key of ["link", "linkError"] as const) {
    const list = request.enqueueOptions?.[key];
    if (Array.isArray(list)) {
      list.forEach((link, i) => fields.push([["enqueueOptions", key, i], link]));
    }
  }
  for (const [path, value] of fields) {
    const problem = findJsonProblem(value);
    if (problem) throw new PayloadEncodeError([...path, ...problem.path], problem.message);
  }
}

/** Every problem with an envelope's fields beyond the required ones, each with its path. */
export function envelopeFieldIssues(value: Record<string, unknown>): ValidationIssue[] {
  const issues = new Issues();
  optionalQueue(issues, value.queue, ["queue"]);
  integerIn(issues, value.priority, ["priority"], 0, 9);
  integerIn(issues, value.attempt, ["attempt"], 0, Number.MAX_SAFE_INTEGER);
  // Option fields travel only when set; the worker's own handler decides the rest.
  optionalInteger(issues, value.maxRetries, ["maxRetries"]);
  optionalInteger(issues, value.maxDeliveries, ["maxDeliveries"], 1);
  if (value.acksLate !== undefined && typeof value.acksLate !== "boolean") {
    issues.add(["acksLate"], `must be a boolean, got ${typeName(value.acksLate)}`);
  }
  stringRecord(issues, value.headers, ["headers"]);
  retryPolicy(issues, value.retryPolicy, ["retryPolicy"], true);
  if (value.timeLimits !== undefined) {
    if (!isRecord(value.timeLimits)) issues.add(["timeLimits"], "must be an object");
    else {
      for (const key of ["soft", "hard"]) {
        const limit = value.timeLimits[key];
        if (limit !== undefined && (typeof limit !== "number" || !isDuration(limit))) {
          issues.add(["timeLimits", key], `must be a number of ms, got ${typeName(limit)}`);
        }
      }
    }
  }
  const lease = value.visibilityTimeout;
  if (lease !== undefined && (typeof lease !== "number" || !isDuration(lease))) {
    issues.add(["visibilityTimeout"], `must be a number of ms, got ${typeName(lease)}`);
  }
  for (const key of ["notBefore", "expires"]) {
    const time = value[key];
    if (typeof time === "number" && !Number.isFinite(time)) {
      issues.add([key], `must be a finite number of epoch ms or null, got ${time}`);
    }
  }
  links(issues, value.link, ["link"]);
  links(issues, value.linkError, ["linkError"]);
  for (const key of ["groupId", "chordId", "parentId", "rootId", "encoder"]) {
    optionalString(issues, value[key], [key]);
  }
  optionalBoolean(issues, value.ignoreResult, ["ignoreResult"]);
  jsonRecord(issues, value.canvas, ["canvas"]);
  if (value.signature !== undefined && !isRecord(value.signature)) {
    issues.add(["signature"], `must be an object, got ${typeName(value.signature)}`);
  }
  return issues.list;
}

/**
 * Checks the fields of a decoded broker message beyond the required ones; throws
 * `EnvelopeError` (`malformed-envelope`) naming the first bad field, so the worker dead-letters
 * it instead of running (or looping on) a task that can never settle.
 */
export function validateEnvelopeFields(value: Record<string, unknown>): void {
  const [first] = envelopeFieldIssues(value);
  if (first) {
    throw new EnvelopeError(`Envelope field "${formatPath(first.path)}" ${first.message}.`);
  }
}
