/** A value SQLite can bind after the driver's conversion (booleans, undefined, Dates handled). */
export type SqlParam = string | number | bigint | boolean | null | undefined | Date | Uint8Array;

/** Result of a write. */
export interface RunResult {
  /** Rows changed. */
  changes: number;
}

/**
 * The few calls the SQLite adapter needs; one implementation per runtime binding
 * (`node:sqlite` on Deno/Node/Bun, `bun:sqlite` on Bun). Statements are cached by text.
 */
export interface SqliteDriver {
  /** Runs one or more statements without parameters. */
  exec(sql: string): void;
  /** All rows of a query. */
  all<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): T[];
  /** The first row, or undefined. */
  get<T = Record<string, unknown>>(sql: string, params?: SqlParam[]): T | undefined;
  /** Runs a write. */
  run(sql: string, params?: SqlParam[]): RunResult;
  /** Runs `fn` in BEGIN IMMEDIATE … COMMIT (ROLLBACK on throw). Not re-entrant. */
  transaction<T>(fn: () => T): T;
  /** Closes the database. */
  close(): void;
}

/** Converts a parameter to what every binding accepts. */
export function bindable(value: SqlParam): string | number | bigint | null | Uint8Array {
  if (value === undefined || value === null) return null;
  if (typeof value === "boolean") return value ? 1 : 0;
  if (value instanceof Date) return value.getTime();
  return value;
}

/** Runs `fn` inside BEGIN IMMEDIATE on `driver`, committing or rolling back. */
export function immediate<T>(driver: Pick<SqliteDriver, "exec">, fn: () => T): T {
  driver.exec("BEGIN IMMEDIATE");
  try {
    const result = fn();
    driver.exec("COMMIT");
    return result;
  } catch (error) {
    try {
      driver.exec("ROLLBACK");
    } catch { /* already rolled back */ }
    throw error;
  }
}
