import {
  bindable,
  immediate,
  type RunResult,
  type SqliteDriver,
  type SqlParam,
} from "../driver.ts";

interface BunStatement {
  all(...params: unknown[]): unknown[];
  get(...params: unknown[]): unknown;
  run(...params: unknown[]): { changes: number };
}

interface BunDatabase {
  exec(sql: string): void;
  prepare(sql: string): BunStatement;
  close(): void;
}

/** The `bun:sqlite` driver (Bun only). */
export class BunSqliteDriver implements SqliteDriver {
  readonly #db: BunDatabase;
  readonly #statements = new Map<string, BunStatement>();

  private constructor(db: BunDatabase) {
    this.#db = db;
  }

  /** Opens (creating) the database file at `path`. */
  static async open(path: string): Promise<BunSqliteDriver> {
    const specifier = ["bun", "sqlite"].join(":");
    const mod = await import(specifier) as { Database: new (path: string) => BunDatabase };
    return new BunSqliteDriver(new mod.Database(path));
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
    return (this.#prepare(sql).get(...params.map(bindable)) ?? undefined) as T | undefined;
  }

  /** Runs a write. */
  run(sql: string, params: SqlParam[] = []): RunResult {
    return { changes: Number(this.#prepare(sql).run(...params.map(bindable)).changes) };
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

  #prepare(sql: string): BunStatement {
    let statement = this.#statements.get(sql);
    if (!statement) this.#statements.set(sql, statement = this.#db.prepare(sql));
    return statement;
  }
}
