/**
 * A detached copy through JSON, the way a durable adapter stores a value: a BigInt, a cycle or
 * a function fails here on memory as it would on Redis or SQL, and later mutations of either
 * side are not seen by the other.
 */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
