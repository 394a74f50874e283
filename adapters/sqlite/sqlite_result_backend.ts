import { SqlResultBackend } from "../_sql/sql_result_backend.ts";
import { openSqlite, sqliteBackend, type SqliteConnectOptions } from "./connect.ts";

/** Options for {@link SqliteResultBackend.open}. */
export type SqliteResultBackendOptions = SqliteConnectOptions;

/**
 * Task statuses, groups, chord claims and heartbeats in a SQLite file with a handle of its own:
 * the shared SQL stores. Watchers see this process's writes at once and other processes' writes
 * by polling the watched ids. Prefer `connect()` from mod.ts, which shares one handle.
 *
 * @example
 * ```ts ignore
 * import { SqliteResultBackend } from "./sqlite_result_backend.ts";
 * const backend = await SqliteResultBackend.open("./stem.db");
 * await backend.close();
 * ```
 */
export class SqliteResultBackend extends SqlResultBackend {
  /** Opens (creating and migrating) the database at `path`. */
  static async open(
    path: string,
    options: SqliteResultBackendOptions = {},
  ): Promise<SqliteResultBackend> {
    const executor = await openSqlite(path, options);
    return sqliteBackend(SqliteResultBackend, executor, options, () => executor.close());
  }
}
