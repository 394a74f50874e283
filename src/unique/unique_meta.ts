import { type Duration, toMillis } from "../core/duration.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";
import { MetaKey } from "../core/meta_keys.ts";
import type { TaskOptions, UniqueMode } from "../core/task_options.ts";
import { uniqueKeyFor, type UniqueKeyInput } from "./unique_key.ts";

/** Lock lifetime of a unique task that sets no `uniqueFor`. */
export const DEFAULT_UNIQUE_FOR: Duration = "5m";

/** The unique settings an envelope carries, read back from its meta. */
export interface UniqueClaim {
  /** The key. */
  key: string;
  /** The mode. */
  mode: UniqueMode;
  /** Lock TTL (the window in `throttle` and `debounce`), ms. */
  ttlMs: number;
  /** A debounced copy's version (1 for the first). */
  version: number;
}

/** The unique mode of merged options, or null when the task is not unique. */
export function uniqueModeOf(options: TaskOptions): UniqueMode | null {
  const unique = options.unique;
  if (unique === undefined || unique === false) return null;
  return unique === true ? "until-complete" : unique;
}

/**
 * Writes a unique task's key, mode and TTL into its envelope meta (signed with the envelope), so
 * the unique-task middleware in the producer and the worker reads them without the handler.
 */
export async function stampUnique(
  envelope: Envelope,
  options: TaskOptions,
  input: UniqueKeyInput,
): Promise<void> {
  const mode = uniqueModeOf(options);
  if (mode === null) return;
  if (mode === "debounce" && options.uniqueFor === undefined) {
    throw new RangeError(
      `Task "${envelope.name}" is unique: "debounce" without uniqueFor; set the window, e.g. uniqueFor: "2s".`,
    );
  }
  const ttlMs = toMillis(options.uniqueFor ?? DEFAULT_UNIQUE_FOR);
  if (!(ttlMs > 0)) throw new RangeError(`uniqueFor of task "${envelope.name}" must be positive.`);
  const meta: Record<string, JsonValue> = envelope.meta;
  // A debounced enqueue replaces the pending one's args, so they cannot be part of its key.
  const keyed = mode === "debounce" && !options.uniqueKey ? { ...input, args: null } : input;
  meta[MetaKey.uniqueKey] = await uniqueKeyFor(keyed, options.uniqueKey);
  meta[MetaKey.uniqueMode] = mode;
  meta[MetaKey.uniqueTtl] = ttlMs;
}

/** The unique claim an envelope carries, or null. */
export function uniqueClaimOf(envelope: Envelope): UniqueClaim | null {
  const meta = envelope.meta;
  const key = meta?.[MetaKey.uniqueKey];
  if (typeof key !== "string") return null;
  const mode = meta[MetaKey.uniqueMode];
  const ttl = meta[MetaKey.uniqueTtl];
  const version = meta[MetaKey.uniqueVersion];
  return {
    key,
    mode: mode === "throttle" || mode === "debounce" ? mode : "until-complete",
    ttlMs: typeof ttl === "number" && ttl > 0 ? ttl : toMillis(DEFAULT_UNIQUE_FOR),
    version: typeof version === "number" ? version : 1,
  };
}
