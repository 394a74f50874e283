/**
 * PostgreSQL adapter: every store (broker with SKIP LOCKED claims and LISTEN/NOTIFY wake-ups,
 * dead letters, statuses, groups, heartbeats, kv) on one postgres.js pool, implemented once in
 * the shared SQL layer. Works on Deno, Bun and Node.
 *
 * @example
 * ```ts ignore
 * import { connect } from "@stem/stem/postgres";
 * const stores = await connect("postgres://localhost/app", { operationTimeout: "10s" });
 * await stores.close();
 * ```
 *
 * @module
 */
import type { StemAdapter, StoreSet } from "../../src/core/adapter.ts";
import { connectPostgres, type PostgresConnectOptions } from "./connect.ts";

export { PostgresBroker, type PostgresBrokerOptions } from "./postgres_broker.ts";
export {
  PostgresResultBackend,
  type PostgresResultBackendOptions,
} from "./postgres_result_backend.ts";
export {
  connectPostgres as connect,
  type PostgresConnectOptions,
  type PostgresStoreSet,
} from "./connect.ts";
export type { PostgresPoolOptions, Sql } from "./connection.ts";

/** Lets `StemApp.fromUrl("postgres://...")` build this adapter. */
export const stemAdapter: StemAdapter = {
  schemes: ["postgres", "postgresql"],
  connect: (url: string, options: Record<string, unknown> = {}): Promise<StoreSet> =>
    connectPostgres(url, options as PostgresConnectOptions),
};
