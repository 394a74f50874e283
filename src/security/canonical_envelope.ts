import type { Envelope } from "../core/envelope.ts";

/**
 * Envelope fields the signature does not cover. `attempt` and `notBefore` are delivery state that
 * workers rewrite on retry and that dead-letter replay resets, so a signed task can be retried or
 * replayed by a verify-only worker without re-signing.
 */
export const UNSIGNED_FIELDS: ReadonlySet<string> = new Set(["signature", "attempt", "notBefore"]);

function sortedJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null";
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => (item === undefined ? "null" : sortedJson(item))).join(",")}]`;
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    const item = record[key];
    if (item === undefined || typeof item === "function") continue;
    parts.push(`${JSON.stringify(key)}:${sortedJson(item)}`);
  }
  return `{${parts.join(",")}}`;
}

/**
 * The exact text a signature covers: the envelope as JSON with keys sorted at every depth, no
 * whitespace, without {@link UNSIGNED_FIELDS}, and without top-level `null` fields (absent and
 * `null` mean the same there). A JSON round trip does not change it.
 *
 * @example
 * ```ts
 * import { canonicalEnvelope } from "./canonical_envelope.ts";
 * canonicalEnvelope({
 *   v: 1, id: "t1", name: "a", args: { b: 1, a: 2 }, headers: {}, meta: {}, queue: "default",
 *   priority: 0, attempt: 3, maxRetries: 0, notBefore: null, expires: null, enqueuedAt: 0,
 * });
 * // '{"args":{"a":2,"b":1},"enqueuedAt":0,"headers":{},"id":"t1","maxRetries":0,...}'
 * ```
 */
export function canonicalEnvelope(envelope: Envelope): string {
  const signed: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(envelope)) {
    // A top-level null and an absent field mean the same; decoders fill in nulls.
    if (!UNSIGNED_FIELDS.has(key) && value !== null) signed[key] = value;
  }
  return sortedJson(signed);
}
