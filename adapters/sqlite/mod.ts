/**
 * SQLite adapter: a durable broker and result backend in one file, no server. Several worker
 * processes on one machine can share the file (WAL, BEGIN IMMEDIATE claims). Uses `node:sqlite`
 * on Deno and Node and `bun:sqlite` on Bun.
 *
 * @example
 * ```ts ignore
 * import { SqliteBroker, SqliteResultBackend } from "@stem/stem/sqlite";
 * const broker = await SqliteBroker.open("./stem.db");
 * const backend = await SqliteResultBackend.open("./stem.db");
 * ```
 *
 * @module
 */
import type { AdapterConnectOptions, StemAdapter } from "../../src/core/adapter.ts";
import type { Broker } from "../../src/broker/broker.ts";
import type { ResultBackend } from "../../src/backend/result_backend.ts";
import { SqliteBroker, type SqliteBrokerOptions } from "./sqlite_broker.ts";
import { SqliteResultBackend, type SqliteResultBackendOptions } from "./sqlite_result_backend.ts";

export { SqliteBroker, type SqliteBrokerOptions } from "./sqlite_broker.ts";
export { SqliteResultBackend, type SqliteResultBackendOptions } from "./sqlite_result_backend.ts";
export type { SqliteDriverName, SqliteOpenOptions } from "./open_database.ts";
export type { RunResult, SqliteDriver, SqlParam } from "./driver.ts";

/** Lets `StemApp.fromUrl("sqlite:./stem.db")` and `StemApp.sqlite(path)` build this adapter. */
export const stemAdapter: StemAdapter = {
  schemes: ["sqlite"],
  createBroker: (url: string, options: AdapterConnectOptions = {}): Promise<Broker> =>
    SqliteBroker.open(url, options as SqliteBrokerOptions),
  createBackend: (url: string, options: AdapterConnectOptions = {}): Promise<ResultBackend> =>
    SqliteResultBackend.open(url, options as SqliteResultBackendOptions),
};
