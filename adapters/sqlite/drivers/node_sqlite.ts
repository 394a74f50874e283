import { DatabaseSync, type StatementSync } from "node:sqlite";
import {
  bindable,
  immediate,
  type RunResult,
  type SqliteDriver,
  type SqlParam,
} from "../driver.ts";

/** The `node:sqlite` driver (Deno, Node 22.5+, Bun). */
export class NodeSqliteDriver implements SqliteDriver {
  readonly #db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();

  /** Opens (creating) the database file at `path`. */
  constructor(path: string) {
    this.#db = new DatabaseSync(path);
  }

  /** Runs statements without parameters. */
  exec(sql: string): void {
    this.#db.exec(sql);
  }

  /** All rows of a query. */
  all<T>(sql: string, params: SqlParam[] = []): T[] {
    return this.#prepare(sql).all(...params.map(bindable)) as T[];
  }

  /** The first row, or undefined. */
  get<T>(sql: string, params: SqlParam[] = []): T | undefined {
    return this.#prepare(sql).get(...params.map(bindable)) as T | undefined;
  }

  /** Runs a write. */
  run(sql: string, params: SqlParam[] = []): RunResult {
    const result = this.#prepare(sql).run(...params.map(bindable));
    return { changes: Number(result.changes) };
  }

  /** Runs `fn` in BEGIN IMMEDIATE. */
  transaction<T>(fn: () => T): T {
    return immediate(this, fn);
  }

  /** Closes the database. */
  close(): void {
    this.#statements.clear();
    this.#db.close();
  }

  #prepare(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, statement = this.#db.prepare(sql));
    return statement;
  }
}
