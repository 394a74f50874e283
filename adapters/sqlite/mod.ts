/**
 * SQLite adapter: every store (broker, dead letters, statuses, groups, heartbeats, kv) in one
 * file on one handle, no server, implemented once in the shared SQL layer. Several worker
 * processes on one machine can share the file (WAL). Uses `node:sqlite` on Deno and Node and
 * `bun:sqlite` on Bun.
 *
 * @example
 * ```ts ignore
 * import { connect } from "@stem/stem/sqlite";
 * const stores = await connect("./stem.db");
 * await stores.close();
 * ```
 *
 * @module
 */
import type { StemAdapter, StoreSet } from "../../src/core/adapter.ts";
import { connectSqlite, type SqliteConnectOptions } from "./connect.ts";

export { SqliteBroker, type SqliteBrokerOptions } from "./sqlite_broker.ts";
export { SqliteResultBackend, type SqliteResultBackendOptions } from "./sqlite_result_backend.ts";
export {
  connectSqlite as connect,
  type SqliteConnectOptions,
  type SqliteStoreSet,
} from "./connect.ts";
export type { SqliteDriverName, SqliteOpenOptions } from "./open_database.ts";
export type { RunResult, SqliteDriver, SqlParam } from "./driver.ts";

/** Lets `StemApp.fromUrl("sqlite:./stem.db")` and `StemApp.sqlite(path)` build this adapter. */
export const stemAdapter: StemAdapter = {
  schemes: ["sqlite"],
  connect: (url: string, options: Record<string, unknown> = {}): Promise<StoreSet> =>
    connectSqlite(url, options as SqliteConnectOptions),
};
