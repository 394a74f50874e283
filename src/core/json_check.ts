import { ErrorCode } from "./error_codes.ts";
import { StemError } from "./errors.ts";

/**
 * Deepest nesting accepted in args, meta and link payloads. Deeper values are refused at enqueue
 * (a clear `payload-encode-failed` error) instead of overflowing a recursive codec later in a
 * worker or an adapter; the check itself walks iteratively, so any depth is safe to check.
 */
export const MAX_PAYLOAD_DEPTH = 200;

/** Where a value stops being JSON, and why. */
export interface JsonProblem {
  /** Path of the offending value inside the checked one (`[]` for the value itself). */
  path: PropertyKey[];
  /** What is wrong, e.g. `"a BigInt cannot be encoded as JSON"`. */
  message: string;
}

/** A value (args, meta, a result) cannot be encoded as JSON: BigInt, function, symbol, cycle... */
export class PayloadEncodeError extends StemError {
  /** Path of the offending value, starting with the field name (`["args", "user", "id"]`). */
  readonly path: ReadonlyArray<PropertyKey>;

  /** Creates the error for the value at `path`. */
  constructor(path: ReadonlyArray<PropertyKey>, message: string) {
    super(
      ErrorCode.payloadEncodeFailed,
      `Cannot encode ${formatPath(path)} as JSON: ${message}. Send plain JSON values ` +
        `(strings, finite numbers, booleans, null, arrays, plain objects).`,
    );
    this.path = path;
  }
}

/** Formats a path as `args.items[3].id`, shortened in the middle when very deep. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  const parts = path.length > 12 ? [...path.slice(0, 6), "…", ...path.slice(-4)] : [...path];
  let out = "";
  for (const part of parts) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

function leafProblem(value: unknown): string | undefined {
  switch (typeof value) {
    case "bigint":
      return "a BigInt cannot be encoded as JSON (convert it to a string or number)";
    case "function":
      return "a function cannot be encoded as JSON";
    case "symbol":
      return "a symbol cannot be encoded as JSON";
    case "number":
      return Number.isFinite(value) ? undefined : `${value} is not a JSON number`;
    default:
      return undefined;
  }
}

interface Frame {
  value: object;
  entries: [PropertyKey, unknown][];
  next: number;
}

function entriesOf(value: object): [PropertyKey, unknown][] {
  if (Array.isArray(value)) return value.map((item, index) => [index, item]);
  return Object.entries(value);
}

function resolved(value: unknown): unknown {
  const toJSON = (value as { toJSON?: unknown } | null)?.toJSON;
  return typeof toJSON === "function" ? toJSON.call(value) : value;
}

/**
 * Finds the first place where `value` cannot round-trip through JSON (BigInt, function, symbol,
 * non-finite number, a cycle, nesting deeper than {@link MAX_PAYLOAD_DEPTH}); `undefined` when it
 * can. Walks with an explicit stack, so a 20,000-deep value is checked without recursion.
 * `undefined` object properties are allowed (JSON drops them), as are `toJSON` objects (`Date`).
 */
export function findJsonProblem(value: unknown): JsonProblem | undefined {
  const path: PropertyKey[] = [];
  const onPath = new Set<object>();
  const stack: Frame[] = [];
  const enter = (raw: unknown): string | undefined => {
    const current = resolved(raw);
    const leaf = leafProblem(current);
    if (leaf !== undefined) return leaf;
    if (typeof current !== "object" || current === null) return undefined;
    if (onPath.has(current)) return "the value refers to itself (a cycle)";
    if (stack.length >= MAX_PAYLOAD_DEPTH) {
      return `it is nested deeper than ${MAX_PAYLOAD_DEPTH} levels`;
    }
    onPath.add(current);
    stack.push({ value: current, entries: entriesOf(current), next: 0 });
    return undefined;
  };
  const first = enter(value);
  if (first !== undefined) return { path, message: first };
  while (stack.length > 0) {
    const frame = stack[stack.length - 1];
    if (frame.next >= frame.entries.length) {
      stack.pop();
      onPath.delete(frame.value);
      path.pop();
      continue;
    }
    const [key, child] = frame.entries[frame.next++];
    path.push(key);
    const depth = stack.length;
    const problem = enter(child);
    if (problem !== undefined) return { path: [...path], message: problem };
    // A leaf leaves the stack as it was; a container keeps its key on the path until it pops.
    if (stack.length === depth) path.pop();
  }
  return undefined;
}

/** Throws {@link PayloadEncodeError} naming `field` and the path when `value` is not JSON. */
export function assertJsonEncodable(value: unknown, field: ReadonlyArray<PropertyKey>): void {
  const problem = findJsonProblem(value);
  if (problem) throw new PayloadEncodeError([...field, ...problem.path], problem.message);
}
