import { SqlBroker } from "../_sql/sql_broker.ts";
import type { Sql } from "./connection.ts";
import { openPg, pgBroker, type PostgresConnectOptions } from "./connect.ts";

/** Options for {@link PostgresBroker.connect}. */
export type PostgresBrokerOptions = PostgresConnectOptions;

/**
 * A durable broker on PostgreSQL with a pool of its own: the shared SQL broker (SKIP LOCKED
 * claims in batches, LISTEN/NOTIFY wake-ups). Prefer `connect()` from mod.ts, which shares one
 * pool between every store.
 *
 * @example
 * ```ts ignore
 * import { PostgresBroker } from "./postgres_broker.ts";
 * const broker = await PostgresBroker.connect("postgres://localhost/app");
 * await broker.close();
 * ```
 */
export class PostgresBroker extends SqlBroker {
  #pool: Sql | null = null;

  /** Connects, applies pending migrations (under an advisory lock) and returns the broker. */
  static async connect(url: string, options: PostgresBrokerOptions = {}): Promise<PostgresBroker> {
    const parts = await openPg(url, options);
    const broker = pgBroker(PostgresBroker, parts, options, () => parts.executor.close());
    broker.#pool = parts.sql;
    return broker;
  }

  /** The postgres.js client (for tests and maintenance). */
  get sql(): Sql {
    return this.#pool!;
  }
}
