import type { Envelope } from "../../core/envelope.ts";
import { EnvelopeError } from "../../core/errors.ts";

function isRecord(value: unknown): boolean {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function entryProblem(entry: unknown): string | null {
  if (!isRecord(entry)) return "is not an object";
  const call = entry as Record<string, unknown>;
  if (typeof call.name !== "string" || call.name.trim() === "") return "has no task name";
  for (const key of ["args", "headers", "meta"]) {
    if (call[key] !== undefined && !isRecord(call[key])) {
      return `has a "${key}" that is not an object`;
    }
  }
  if (call.queue !== undefined && typeof call.queue !== "string") return "has a non-string queue";
  return null;
}

/**
 * Checks `link` and `linkError` (written by any producer, possibly another language): an error
 * naming the first bad entry, or null. A malformed list is dead-lettered unrun, never retried.
 */
export function linkProblem(envelope: Envelope): EnvelopeError | null {
  for (const field of ["link", "linkError"] as const) {
    const value: unknown = envelope[field];
    if (value === undefined) continue;
    if (!Array.isArray(value)) {
      return new EnvelopeError(`Envelope field "${field}" must be an array of task calls.`);
    }
    for (const [i, entry] of value.entries()) {
      const problem = entryProblem(entry);
      if (problem) return new EnvelopeError(`Envelope field "${field}[${i}]" ${problem}.`);
    }
  }
  return null;
}
