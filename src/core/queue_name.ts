import { ErrorCode } from "./error_codes.ts";
import { StemError } from "./errors.ts";

/** Longest accepted queue name, in characters. */
export const MAX_QUEUE_NAME_LENGTH = 128;

// The set every adapter takes as is: inside a Redis hash tag (no `{` `}`), as a SQL text value
// and as a Postgres NOTIFY payload, in a URL path segment, in a log line.
const ALLOWED = /^[A-Za-z0-9_.:-]+$/;

/** A queue name is empty, too long, or has characters some adapter cannot hold. */
export class InvalidQueueError extends StemError {
  /** The rejected value, as given. */
  readonly queue: unknown;

  /** Creates the error for `queue`, saying what is wrong with it. */
  constructor(queue: unknown, reason: string) {
    super(
      ErrorCode.invalidQueue,
      `Invalid queue name ${describe(queue)}: ${reason}. Use 1–${MAX_QUEUE_NAME_LENGTH} ` +
        `letters, digits, "-", "_", "." or ":".`,
    );
    this.queue = queue;
  }
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  try {
    return `${JSON.stringify(value) ?? String(value)} (${value === null ? "null" : typeof value})`;
  } catch {
    return `(${typeof value})`;
  }
}

/** Why `name` is not a valid queue name, or `undefined` when it is. */
export function queueNameProblem(name: unknown): string | undefined {
  if (typeof name !== "string") return "it must be a string";
  if (name.trim() === "") return "it is empty";
  if (name !== name.trim()) return "it has leading or trailing whitespace";
  if (name.length > MAX_QUEUE_NAME_LENGTH) {
    return `it is ${name.length} characters long`;
  }
  if (!ALLOWED.test(name)) {
    const bad = [...name].find((c) => !ALLOWED.test(c))!;
    return `it contains ${JSON.stringify(bad)}`;
  }
  return undefined;
}

/**
 * Checks a queue name and returns it; throws {@link InvalidQueueError} (`invalid-queue`) naming
 * the value. The producer, the HTTP API, the worker and the adapters all call this, so a name
 * one of them accepts works on every adapter.
 *
 * @example
 * ```ts
 * import { validateQueueName } from "./queue_name.ts";
 * validateQueueName("emails.high"); // "emails.high"
 * ```
 */
export function validateQueueName(name: unknown): string {
  const problem = queueNameProblem(name);
  if (problem !== undefined) throw new InvalidQueueError(name, problem);
  return name as string;
}
