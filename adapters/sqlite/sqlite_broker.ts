import { LocalJobWake } from "../_sql/local_wake.ts";
import { SqlBroker } from "../_sql/sql_broker.ts";
import { openSqlite, sqliteBroker, type SqliteConnectOptions } from "./connect.ts";

/** Options for {@link SqliteBroker.open}. */
export type SqliteBrokerOptions = SqliteConnectOptions;

/**
 * A durable broker in one SQLite file (WAL) with a handle of its own: the shared SQL broker.
 * Several processes can share the file: a claim is one UPDATE, so a message is leased to one
 * consumer at a time. Prefer `connect()` from mod.ts, which shares one handle between stores.
 *
 * @example
 * ```ts ignore
 * import { SqliteBroker } from "./sqlite_broker.ts";
 * const broker = await SqliteBroker.open("./stem.db");
 * await broker.close();
 * ```
 */
export class SqliteBroker extends SqlBroker {
  /** Opens (creating and migrating) the database at `path` (`./stem.db` or `sqlite:./stem.db`). */
  static async open(path: string, options: SqliteBrokerOptions = {}): Promise<SqliteBroker> {
    const executor = await openSqlite(path, options);
    return sqliteBroker(
      SqliteBroker,
      executor,
      new LocalJobWake(),
      options,
      () => executor.close(),
    );
  }
}
