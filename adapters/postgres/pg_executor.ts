import { type Clock, systemClock } from "../../src/core/clock.ts";
import { ErrorCode } from "../../src/core/error_codes.ts";
import { StemError } from "../../src/core/errors.ts";
import type {
  SqlCallOptions,
  SqlExecutor,
  SqlParam,
  SqlRow,
  SqlStatement,
} from "../_sql/executor.ts";
import { SQL } from "./_sql.ts";
import type { Sql } from "./connection.ts";

const PREPARED = { prepare: true } as const;

/** Server codes and client errors after which a statement surely did not run to completion. */
const RETRYABLE = new Set([
  "57P01", // admin_shutdown: "terminating connection due to administrator command"
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now: the server is starting up
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "ECONNREFUSED",
  "ECONNRESET",
]);

/** True for an error a restart of the server produces (the pool reconnects on the next call). */
export function isRestartError(error: unknown): boolean {
  const code = (error as { code?: string } | null)?.code;
  return typeof code === "string" && RETRYABLE.has(code);
}

/** Options of {@link PgExecutor}. */
export interface PgExecutorOptions {
  /**
   * Longest a call may take, including waiting for a connection while the server restarts;
   * past it the call rejects with `operation-timeout` (the statement may still run later).
   * @default 30_000 ms
   */
  operationTimeoutMs?: number;
  /** Time source of the operation timeout. @default systemClock */
  clock?: Clock;
  /** Closes the pool on {@link close}. @default true */
  ownsPool?: boolean;
  /** Called after every call that succeeded (resets the reconnect back-off). */
  onSuccess?: () => void;
}

/** Transposes rows into one array per column, then appends the shared parameters. */
function columns(rows: SqlParam[][], shared: SqlParam[]): SqlParam[] {
  const width = rows[0]?.length ?? 0;
  const cols: SqlParam[][] = Array.from({ length: width }, () => new Array(rows.length));
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    for (let c = 0; c < width; c++) cols[c][r] = row[c];
  }
  return [...cols, ...shared];
}

/**
 * The shared SQL layer's executor on a postgres.js pool: prepared statements, `many` as one
 * statement over column arrays (`unnest`), `atomic` as a transaction. Every call is bounded by
 * the operation timeout; idempotent calls are retried (with back-off, within that bound) after
 * the errors a server restart leaves behind.
 */
export class PgExecutor implements SqlExecutor {
  /** Postgres's query texts. */
  readonly sql: typeof SQL = SQL;
  /** Postgres has its own clock. */
  readonly serverClock = true;
  /** Postgres has writable CTEs. */
  readonly writableCtes = true;
  readonly #pool: Sql;
  readonly #timeoutMs: number;
  readonly #clock: Clock;
  readonly #owns: boolean;
  readonly #onSuccess: () => void;

  /** Runs statements on `pool`. */
  constructor(pool: Sql, options: PgExecutorOptions = {}) {
    this.#pool = pool;
    this.#timeoutMs = options.operationTimeoutMs ?? 30_000;
    this.#clock = options.clock ?? systemClock;
    this.#owns = options.ownsPool ?? true;
    this.#onSuccess = options.onSuccess ?? (() => {});
  }

  /** The postgres.js pool. */
  get pool(): Sql {
    return this.#pool;
  }

  /** Every row of a query. */
  all<T = SqlRow>(query: string, params: SqlParam[], options?: SqlCallOptions): Promise<T[]> {
    return this.#call(
      () => this.#pool.unsafe(query, params as never[], PREPARED) as unknown as Promise<T[]>,
      options,
    );
  }

  /** Runs a write; resolves with the affected row count. */
  async run(query: string, params: SqlParam[], options?: SqlCallOptions): Promise<number> {
    const result = await this.#call(
      () => this.#pool.unsafe(query, params as never[], PREPARED),
      options,
    );
    return result.count;
  }

  /** One statement over column arrays. */
  many<T = SqlRow>(
    query: string,
    rows: SqlParam[][],
    shared: SqlParam[] = [],
    options?: SqlCallOptions,
  ): Promise<T[]> {
    if (rows.length === 0) return Promise.resolve([]);
    return this.all<T>(query, columns(rows, shared), options);
  }

  /** A transaction: `first`, then what `then` builds from their results. */
  atomic<T = SqlRow>(
    first: SqlStatement[],
    then?: (
      results: T[][],
    ) => { many?: { query: string; rows: SqlParam[][]; shared?: SqlParam[] } },
  ): Promise<T[][]> {
    return this.#call(() =>
      this.#pool.begin(async (tx) => {
        const results: T[][] = [];
        for (const s of first) {
          results.push(await tx.unsafe(s.query, s.params as never[], PREPARED) as unknown as T[]);
        }
        const next = then?.(results).many;
        if (next && next.rows.length > 0) {
          await tx.unsafe(next.query, columns(next.rows, next.shared ?? []) as never[], PREPARED);
        }
        return results;
      }) as Promise<T[][]>
    );
  }

  /** The server's clock. */
  async serverNow(): Promise<number> {
    const [row] = await this.all<{ now: number }>(SQL.serverNow, [], { idempotent: true });
    return Number(row.now);
  }

  /** Closes the pool (when this executor owns it). */
  async close(): Promise<void> {
    if (this.#owns) await this.#pool.end({ timeout: 5 });
  }

  async #call<T>(fn: () => Promise<T>, options: SqlCallOptions = {}): Promise<T> {
    const deadline = this.#clock.now() + this.#timeoutMs;
    let delay = 50;
    for (;;) {
      try {
        const value = await this.#bounded(fn(), deadline);
        this.#onSuccess();
        return value;
      } catch (error) {
        const left = deadline - this.#clock.now();
        if (!options.idempotent || !isRestartError(error) || left <= delay) throw error;
        await new Promise((resolve) => this.#clock.setTimeout(() => resolve(null), delay));
        delay = Math.min(delay * 2, 1_000);
      }
    }
  }

  #bounded<T>(promise: Promise<T>, deadline: number): Promise<T> {
    const ms = Math.max(0, deadline - this.#clock.now());
    return new Promise<T>((resolve, reject) => {
      const timer = this.#clock.setTimeout(() => {
        promise.catch(() => {});
        reject(
          new StemError(
            ErrorCode.operationTimeout,
            `A PostgreSQL call did not complete within ${this.#timeoutMs} ms; check that the ` +
              "server is reachable (raise `operationTimeout` for slow statements).",
          ),
        );
      }, ms);
      promise.then((value) => {
        this.#clock.clearTimeout(timer);
        resolve(value);
      }, (error) => {
        this.#clock.clearTimeout(timer);
        reject(error);
      });
    });
  }
}
