import postgres from "postgres";
import { redactUrl } from "../../src/core/adapter.ts";
import { type Clock, systemClock, type TimerHandle } from "../../src/core/clock.ts";
import { ErrorCode } from "../../src/core/error_codes.ts";
import { StemError } from "../../src/core/errors.ts";
import { awaitFirstConnection } from "./first_connection.ts";

/** A postgres.js client as used by the adapter (numbers for int8). */
export type Sql = postgres.Sql<Record<string, unknown>>;

/** Connection options of every Postgres store (one pool: see `connect` in mod.ts). */
export interface PostgresPoolOptions {
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
  /**
   * Seconds to wait for the first connection and the migrations; past it `connect` rejects with
   * `connection-failed` and stops reconnecting. @default 10
   */
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

/**
 * Reconnect delays that grow while connections keep failing. postgres.js only backs off after a
 * socket error, so an endpoint that accepts and then closes (a proxy with no server behind it,
 * a non-PostgreSQL port) would otherwise be retried ~270 times a second; this one doubles from
 * 50 ms to 5 s and starts over once a call succeeds.
 */
export class ReconnectBackoff {
  #failures = 0;

  /** The delay before the next reconnect, in seconds (postgres.js's unit). */
  readonly next = (): number => {
    const base = Math.min(0.05 * 2 ** this.#failures, 5);
    this.#failures = Math.min(this.#failures + 1, 20);
    return base * (0.5 + Math.random() / 2);
  };

  /** A call succeeded: the next failure starts from the shortest delay again. */
  reset(): void {
    this.#failures = 0;
  }
}

/** Opens a postgres.js client whose search_path is the namespace schema. */
export function openSql(
  url: string,
  namespace: string,
  options: PostgresPoolOptions,
  backoff: ReconnectBackoff = new ReconnectBackoff(),
): Sql {
  const tls = poolSsl(options);
  return postgres(url, {
    backoff: backoff.next,
    max: options.max ?? 10,
    connect_timeout: options.connectTimeout ?? 10,
    onnotice: () => {},
    types: { int8: INT8 },
    connection: { search_path: ident(namespace), application_name: "stem" },
    ...(tls === undefined ? {} : { ssl: tls as postgres.Options<never>["ssl"] }),
  }) as unknown as Sql;
}

/** The postgres.js `ssl` option for `tls` (undefined: from the URL). */
function poolSsl(options: PostgresPoolOptions): PostgresPoolOptions["tls"] {
  return options.tls === "verify-full" ? "verify-full" : options.tls;
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
    ErrorCode.connectionFailed,
    `Could not connect to PostgreSQL at ${redactUrl(url)}: ${safeMessage(error, url)}. ${hint}`,
  );
}

/** Rejects with a `connection-failed` error once `ms` pass (the caller ends the pool). */
function deadline(
  ms: number,
  url: string,
  clock: Clock,
): { promise: Promise<never>; cancel(): void } {
  let timer: TimerHandle;
  const promise = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      reject(
        new StemError(
          ErrorCode.connectionFailed,
          `Could not connect to PostgreSQL at ${redactUrl(url)} within ${ms} ms: the server did ` +
            "not complete a connection (is it PostgreSQL, and is it accepting connections?). " +
            "Raise `connectTimeout` for a slow server.",
        ),
      );
    }, ms);
  });
  return { promise, cancel: () => clock.clearTimeout(timer) };
}

/**
 * Opens (or adopts) a client and applies pending migrations, within `connectTimeout`. A client
 * Stem opened is ended when this fails, so nothing keeps reconnecting in the background.
 */
export async function connectMigrated(
  url: string,
  options: PostgresPoolOptions & { clock?: Clock },
  migrate: (sql: Sql, namespace: string) => Promise<unknown>,
): Promise<{ sql: Sql; owned: boolean; namespace: string; backoff: ReconnectBackoff }> {
  const namespace = checkNamespace(options.namespace ?? "stem");
  const backoff = new ReconnectBackoff();
  const sql = options.sql ?? openSql(url, namespace, options, backoff);
  const clock = options.clock ?? systemClock;
  const limit = deadline((options.connectTimeout ?? 10) * 1000, url, clock);
  let expired = false;
  limit.promise.catch(() => (expired = true));
  try {
    if (!options.sql) {
      const probe = awaitFirstConnection(url, {
        ssl: poolSsl(options),
        connectTimeout: options.connectTimeout ?? 10,
        clock,
        backoff,
      }, () => expired);
      probe.catch(() => {});
      await Promise.race([probe, limit.promise]);
    }
    await Promise.race([migrate(sql, namespace), limit.promise]);
  } catch (error) {
    if (!options.sql) await sql.end({ timeout: 0 }).catch(() => {});
    throw error instanceof StemError ? error : connectError(error, url);
  } finally {
    limit.cancel();
  }
  backoff.reset();
  return { sql, owned: !options.sql, namespace, backoff };
}
