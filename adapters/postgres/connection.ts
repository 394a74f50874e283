import postgres from "postgres";
import { redactUrl } from "../../src/core/adapter.ts";
import { StemError } from "../../src/core/errors.ts";

/** A postgres.js client as used by the adapter (numbers for int8). */
export type Sql = postgres.Sql<Record<string, unknown>>;

/** Connection options shared by {@link PostgresBroker} and {@link PostgresResultBackend}. */
export interface PostgresConnectOptions {
  /** Schema that holds Stem's tables; use a distinct one per test or tenant. @default "stem" */
  namespace?: string;
  /**
   * TLS: `true`/`"require"` (verify off), `"verify-full"`, `"prefer"`, or Node-style TLS
   * options (`{ ca, cert, key, rejectUnauthorized }`). `?sslmode=` in the URL works too.
   * @default from the URL
   */
  tls?: boolean | "require" | "prefer" | "verify-full" | Record<string, unknown>;
  /** Pool size. @default 10 */
  max?: number;
  /** Seconds to wait for a connection. @default 10 */
  connectTimeout?: number;
  /** An existing postgres.js client to use instead of opening one (not closed by Stem). */
  sql?: Sql;
}

const NAMESPACE = /^[A-Za-z_][A-Za-z0-9_]{0,39}$/;

/** Validates a namespace (it becomes a schema name and part of NOTIFY channel names). */
export function checkNamespace(namespace: string): string {
  if (!NAMESPACE.test(namespace)) {
    throw new RangeError(
      `Invalid namespace "${namespace}": use letters, digits and "_" (at most 40, not starting with a digit).`,
    );
  }
  return namespace;
}

/** Quotes an identifier. */
export function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

const INT8 = {
  to: 20,
  from: [20],
  serialize: (value: unknown): string => String(value),
  parse: (value: string): number => Number(value),
};

/** Opens a postgres.js client whose search_path is the namespace schema. */
export function openSql(url: string, namespace: string, options: PostgresConnectOptions): Sql {
  const tls = options.tls === "verify-full" ? "verify-full" : options.tls;
  return postgres(url, {
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 10,
    onnotice: () => {},
    types: { int8: INT8 },
    connection: { search_path: ident(namespace), application_name: "stem" },
    ...(tls === undefined ? {} : { ssl: tls as postgres.Options<never>["ssl"] }),
  }) as unknown as Sql;
}

/** The message of an error, with any password from the URL scrubbed out. */
export function safeMessage(error: unknown, url: string): string {
  let message = error instanceof Error ? error.message : String(error);
  try {
    const password = decodeURIComponent(new URL(url).password);
    if (password) message = message.replaceAll(password, "***");
  } catch { /* not a URL */ }
  return message;
}

/** Wraps a failure to connect in an actionable error without the password. */
export function connectError(error: unknown, url: string): StemError {
  const code = (error as { code?: string }).code;
  const hint = code === "28P01" || code === "28000"
    ? "Check the user name and password."
    : "Check that PostgreSQL is running and the host, port and database are right.";
  return new StemError(
    "connection-failed",
    `Could not connect to PostgreSQL at ${redactUrl(url)}: ${safeMessage(error, url)}. ${hint}`,
  );
}

/**
 * Opens (or adopts) a client and applies pending migrations; shared by the broker and the backend.
 * A client Stem opened is closed again when migrating fails.
 */
export async function connectMigrated(
  url: string,
  options: PostgresConnectOptions,
  migrate: (sql: Sql, namespace: string) => Promise<unknown>,
): Promise<{ sql: Sql; owned: boolean; namespace: string }> {
  const namespace = checkNamespace(options.namespace ?? "stem");
  const sql = options.sql ?? openSql(url, namespace, options);
  try {
    await migrate(sql, namespace);
  } catch (error) {
    if (!options.sql) await sql.end({ timeout: 1 }).catch(() => {});
    throw connectError(error, url);
  }
  return { sql, owned: !options.sql, namespace };
}
