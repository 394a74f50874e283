/** A test body. */
export type TestBody = () => Promise<void> | void;

/** A test-registration function such as `node:test`'s `test`; `skip` carries the reason. */
export type TestFn = {
  (name: string, fn: TestBody): unknown;
  (name: string, options: { skip?: string | boolean }, fn: TestBody): unknown;
};

/** The pieces of a test framework the contract suites need (pass `node:test`'s exports). */
export interface TestApi {
  /** Groups tests. */
  describe: (name: string, fn: () => void) => unknown;
  /** Registers a test. */
  test: TestFn;
  /** Runs before each test of the current group. */
  beforeEach: (fn: () => Promise<void> | void) => unknown;
  /** Runs after each test of the current group. */
  afterEach: (fn: () => Promise<void> | void) => unknown;
}

/** Resolves with the next value of `iterator`, or null after `timeoutMs`. */
export async function nextWithin<T>(
  iterator: AsyncIterator<T>,
  timeoutMs: number,
): Promise<T | null> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((
    resolve,
  ) => (timer = setTimeout(() => resolve(null), timeoutMs)));
  try {
    const result = await Promise.race([iterator.next(), timeout]);
    if (result === null || result.done) return null;
    return result.value;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Re-evaluates `probe` until `predicate` holds or `timeoutMs` passes; returns the last value.
 * For server-side expiry, which no event announces.
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  predicate: (value: T) => boolean,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await probe();
  while (!predicate(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await probe();
  }
  return value;
}

/** A fresh queue name per test, so adapters with shared servers do not collide. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
