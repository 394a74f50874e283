import { SqlResultBackend } from "../_sql/sql_result_backend.ts";
import type { Sql } from "./connection.ts";
import { openPg, pgBackend, type PostgresConnectOptions } from "./connect.ts";

/** Options for {@link PostgresResultBackend.connect}. */
export type PostgresResultBackendOptions = PostgresConnectOptions;

/**
 * Task statuses, groups, chord claims and heartbeats in PostgreSQL with a pool of its own: the
 * shared SQL stores with cross-process `watch` through LISTEN/NOTIFY. Prefer `connect()` from
 * mod.ts, which shares one pool between every store.
 *
 * @example
 * ```ts ignore
 * import { PostgresResultBackend } from "./postgres_result_backend.ts";
 * const backend = await PostgresResultBackend.connect("postgres://localhost/app");
 * await backend.close();
 * ```
 */
export class PostgresResultBackend extends SqlResultBackend {
  #pool: Sql | null = null;

  /** Connects and applies pending migrations (under an advisory lock). */
  static async connect(
    url: string,
    options: PostgresResultBackendOptions = {},
  ): Promise<PostgresResultBackend> {
    const parts = await openPg(url, options);
    const backend = pgBackend(PostgresResultBackend, parts, options, () => parts.executor.close());
    backend.#pool = parts.sql;
    return backend;
  }

  /** The postgres.js client (for tests and maintenance). */
  get sql(): Sql {
    return this.#pool!;
  }
}
