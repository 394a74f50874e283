/** Thrown by the contract-suite assertions. */
export class ContractAssertionError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "ContractAssertionError";
  }
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

/** Fails unless `value` is truthy. */
export function ok(value: unknown, message = "Expected a truthy value"): asserts value {
  if (!value) throw new ContractAssertionError(message);
}

/** Fails unless `actual === expected`. */
export function equal<T>(actual: T, expected: T, message?: string): void {
  if (!Object.is(actual, expected)) {
    throw new ContractAssertionError(
      `${message ? message + ": " : ""}expected ${show(expected)}, got ${show(actual)}`,
    );
  }
}

/** Fails unless both values serialise to the same canonical JSON. */
export function deepEqual(actual: unknown, expected: unknown, message?: string): void {
  if (canonical(actual) !== canonical(expected)) {
    throw new ContractAssertionError(
      `${message ? message + ": " : ""}expected ${canonical(expected)}, got ${canonical(actual)}`,
    );
  }
}

/** Fails unless `fn` rejects with an error whose name or code matches. */
export async function rejects(fn: () => Promise<unknown>, name: string): Promise<void> {
  try {
    await fn();
  } catch (error) {
    const e = error as { name?: string; code?: string };
    if (e.name === name || e.code === name) return;
    throw new ContractAssertionError(`Expected ${name}, got ${e.name}: ${String(error)}`);
  }
  throw new ContractAssertionError(`Expected ${name}, but the call succeeded`);
}

function canonical(value: unknown): string {
  return JSON.stringify(
    value,
    (_k, v) =>
      v && typeof v === "object" && !Array.isArray(v)
        ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)))
        : v,
  );
}
