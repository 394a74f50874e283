import type { JsonValue } from "../core/envelope.ts";
import type { UniqueKeyFn } from "../core/task_options.ts";
import { TRACE_HEADERS } from "../observability/trace_context.ts";

/** What the default unique key is computed from. */
export interface UniqueKeyInput {
  /** Task name. */
  task: string;
  /** Target queue. */
  queue: string;
  /** Validated args (before the args encoder). */
  args: unknown;
  /** The caller's headers. */
  headers: Readonly<Record<string, string>>;
  /** The caller's meta. */
  meta: Readonly<Record<string, JsonValue>>;
}

/**
 * The default unique key: SHA-256 (hex) of the canonical JSON (keys sorted at every depth, Dates
 * as ISO strings) of task, queue, args, headers without trace headers, and meta without `stem.*`
 * keys, so two enqueues that differ only in tracing or Stem's bookkeeping share a key.
 */
export async function defaultUniqueKey(input: UniqueKeyInput): Promise<string> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) {
    if (!TRACE_HEADERS.has(k.toLowerCase())) headers[k] = v;
  }
  const meta: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(input.meta)) if (!k.startsWith("stem.")) meta[k] = v;
  const text = canonicalJson({
    task: input.task,
    queue: input.queue,
    args: input.args,
    headers,
    meta,
  });
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The unique key of one enqueue: `uniqueKey(args, headers)` when given, else the default. */
export async function uniqueKeyFor(input: UniqueKeyInput, custom?: UniqueKeyFn): Promise<string> {
  if (!custom) return await defaultUniqueKey(input);
  const key = await custom(input.args, input.headers);
  if (typeof key !== "string" || key === "") {
    throw new TypeError(
      `uniqueKey() of task "${input.task}" must return a non-empty string; got ${
        JSON.stringify(key)
      }.`,
    );
  }
  return `${input.task}:${key}`;
}

/** JSON with object keys sorted at every depth and Dates as ISO strings. */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item ?? null)).join(",")}]`;
  }
  const record = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(record).sort()) {
    if (record[key] === undefined) continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  }
  return `{${parts.join(",")}}`;
}
