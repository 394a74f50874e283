/** Nesting past which the copy lets JSON itself decide (a cycle then fails as JSON fails). */
const MAX_FAST_DEPTH = 64;

/**
 * A detached copy through JSON, the way a durable adapter stores a value: a BigInt, a cycle or
 * a function fails here on memory as it would on Redis or SQL, and later mutations of either
 * side are not seen by the other. Plain objects, arrays and primitives are copied directly with
 * JSON's rules (undefined and functions dropped from objects, null in arrays, non-finite numbers
 * null), which skips building and parsing the text; anything else (a `toJSON`, a class instance,
 * a BigInt, deep nesting) goes through `JSON.stringify` and `JSON.parse` as before.
 */
export function jsonCopy<T>(value: T): T {
  // A top-level string, number, boolean or null is copied directly too; undefined, a function,
  // a symbol or a BigInt goes through JSON and fails as it does there.
  const copied = copyValue(value, 0);
  return (copied === FALLBACK ? JSON.parse(JSON.stringify(value)) : copied) as T;
}

const FALLBACK: unique symbol = Symbol("fallback");
const objectProto = Object.prototype;

function copyValue(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? (value === 0 ? 0 : value) : null;
    case "object":
      break;
    default:
      return FALLBACK;
  }
  if (value === null) return null;
  if (depth >= MAX_FAST_DEPTH) return FALLBACK;
  if (Array.isArray(value)) {
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      const item = value[i];
      const type = typeof item;
      if (item === undefined || type === "function" || type === "symbol") out[i] = null;
      else if ((out[i] = copyValue(item, depth + 1)) === FALLBACK) return FALLBACK;
    }
    return out;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== objectProto && proto !== null) return FALLBACK;
  const record = value as Record<string, unknown>;
  if (typeof record.toJSON === "function") return FALLBACK;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const item = record[key];
    const type = typeof item;
    if (item === undefined || type === "function" || type === "symbol") continue;
    const copied = copyValue(item, depth + 1);
    if (copied === FALLBACK) return FALLBACK;
    out[key] = copied;
  }
  return out;
}
