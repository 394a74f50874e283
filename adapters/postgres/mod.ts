/**
 * PostgreSQL adapter: a durable broker (SKIP LOCKED claims, LISTEN/NOTIFY wake-ups) and a
 * result backend, on postgres.js. Works on Deno, Bun and Node.
 *
 * @example
 * ```ts ignore
 * import { PostgresBroker, PostgresResultBackend } from "@stem/stem/postgres";
 * const broker = await PostgresBroker.connect("postgres://localhost/app");
 * const backend = await PostgresResultBackend.connect("postgres://localhost/app");
 * ```
 *
 * @module
 */
import type { AdapterConnectOptions, StemAdapter } from "../../src/core/adapter.ts";
import type { Broker } from "../../src/broker/broker.ts";
import type { ResultBackend } from "../../src/backend/result_backend.ts";
import { PostgresBroker, type PostgresBrokerOptions } from "./postgres_broker.ts";
import {
  PostgresResultBackend,
  type PostgresResultBackendOptions,
} from "./postgres_result_backend.ts";

export { PostgresBroker, type PostgresBrokerOptions } from "./postgres_broker.ts";
export {
  PostgresResultBackend,
  type PostgresResultBackendOptions,
} from "./postgres_result_backend.ts";
export type { PostgresConnectOptions, Sql } from "./connection.ts";

/** Lets `StemApp.fromUrl("postgres://...")` build this adapter. */
export const stemAdapter: StemAdapter = {
  schemes: ["postgres", "postgresql"],
  createBroker: (url: string, options: AdapterConnectOptions = {}): Promise<Broker> =>
    PostgresBroker.connect(url, options as PostgresBrokerOptions),
  createBackend: (url: string, options: AdapterConnectOptions = {}): Promise<ResultBackend> =>
    PostgresResultBackend.connect(url, options as PostgresResultBackendOptions),
};
