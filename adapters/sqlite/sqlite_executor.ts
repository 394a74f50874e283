import type { SqlExecutor, SqlParam, SqlRow, SqlStatement } from "../_sql/executor.ts";
import { SQL } from "./_sql.ts";
import type { SqliteDriver, SqlParam as DriverParam } from "./driver.ts";

/** Arrays become JSON text (the queries read them with `json_each`). */
function bind(params: SqlParam[]): DriverParam[] {
  return params.map((p) => (Array.isArray(p) ? JSON.stringify(p) : p));
}

/** Runs `fn` now and turns a throw into a rejected promise. */
function settle<T>(fn: () => T): Promise<T> {
  try {
    return Promise.resolve(fn());
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * The shared SQL layer's executor on one synchronous SQLite handle (`node:sqlite` or
 * `bun:sqlite`): `many` and `atomic` run in one BEGIN IMMEDIATE transaction without yielding, so
 * nothing else can run in between and no `await` ever sits inside a transaction.
 */
export class SqliteExecutor implements SqlExecutor {
  /** SQLite's query texts. */
  readonly sql: typeof SQL = SQL;
  /** The clock is the process's own (the injected one). */
  readonly serverClock = false;
  /** SQLite has no writable CTEs. */
  readonly writableCtes = false;
  readonly #db: SqliteDriver;
  #closed = false;

  /** Runs statements on `db`. */
  constructor(db: SqliteDriver) {
    this.#db = db;
  }

  /** The driver (for tests and maintenance). */
  get driver(): SqliteDriver {
    return this.#db;
  }

  /** Every row of a query. */
  all<T = SqlRow>(query: string, params: SqlParam[]): Promise<T[]> {
    return settle(() => this.#db.all<T>(query, bind(params)));
  }

  /** Runs a write; resolves with the rows it changed. */
  run(query: string, params: SqlParam[]): Promise<number> {
    return settle(() => this.#db.run(query, bind(params)).changes);
  }

  /** Runs `query` once per row in one transaction. */
  many<T = SqlRow>(query: string, rows: SqlParam[][], shared: SqlParam[] = []): Promise<T[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return settle(() => this.#db.transaction(() => this.#each<T>(query, rows, shared)));
  }

  /** `first`, then what `then` builds from their results, in one transaction. */
  atomic<T = SqlRow>(
    first: SqlStatement[],
    then?: (
      results: T[][],
    ) => { many?: { query: string; rows: SqlParam[][]; shared?: SqlParam[] } },
  ): Promise<T[][]> {
    return settle(() =>
      this.#db.transaction(() => {
        const results = first.map((s) => this.#db.all<T>(s.query, bind(s.params)));
        const next = then?.(results).many;
        if (next) this.#each(next.query, next.rows, next.shared ?? []);
        return results;
      })
    );
  }

  /** SQLite has no clock of its own worth sharing: null. */
  serverNow(): null {
    return null;
  }

  /** Closes the handle; safe to call twice. */
  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
    return Promise.resolve();
  }

  #each<T>(query: string, rows: SqlParam[][], shared: SqlParam[]): T[] {
    const out: T[] = [];
    const tail = bind(shared);
    for (const row of rows) out.push(...this.#db.all<T>(query, [...bind(row), ...tail]));
    return out;
  }
}
