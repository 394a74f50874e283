import { type SqlStoreSet, sqlStoreSet } from "../_sql/sql_store_set.ts";
import type { StoreSetOptions } from "../../src/core/adapter.ts";
import { type Duration, toMillis } from "../../src/core/duration.ts";
import type { StemError } from "../../src/core/errors.ts";
import { SqlBroker } from "../_sql/sql_broker.ts";
import { SqlResultBackend } from "../_sql/sql_result_backend.ts";
import { SqlScheduleStore } from "../_sql/sql_schedule_store.ts";
import { SqlWorkflowStore } from "../_sql/sql_workflow_store.ts";
import { connectMigrated, type PostgresPoolOptions, type Sql } from "./connection.ts";
import { migrate } from "./migrate.ts";
import { Notifier } from "./notifier.ts";
import { PgEventBus } from "./pg_event_bus.ts";
import { pgScheduleChanges } from "./pg_schedule_changes.ts";
import { PgExecutor } from "./pg_executor.ts";
import { PgJobWake, PgStatusWatch } from "./pg_wake.ts";

/** Options of {@link connectPostgres} (and `stemAdapter.connect` for `postgres://` URLs). */
export interface PostgresConnectOptions extends PostgresPoolOptions, StoreSetOptions {
  /**
   * Longest any call may take, waiting for a connection included (a restarting server); past
   * it the call rejects with `operation-timeout`. @default "30s"
   */
  operationTimeout?: Duration;
  /** Lease length when the envelope has no `visibilityTimeout`. @default "30s" */
  defaultVisibilityTimeout?: Duration;
  /** Fallback poll of an idle consumer (in case a NOTIFY was missed). @default "5s" */
  pollInterval?: Duration;
  /** Most messages leased in one claim. @default 100 */
  maxBatch?: number;
  /** Lifetime of statuses and groups. @default "1d" */
  defaultTtl?: Duration;
  /** How often expired rows are deleted (reads ignore them anyway). @default "5m" */
  cleanupInterval?: Duration;
  /** Also receives errors a consumer recovered from (the logger gets them as warnings). */
  onError?: (error: StemError) => void;
}

/** Every Postgres store on one postgres.js pool. */
export interface PostgresStoreSet extends SqlStoreSet {
  /** The shared postgres.js pool. */
  sql: Sql;
}

/** The pieces a Postgres store is built from. */
export interface PgParts {
  /** The executor on the pool. */
  executor: PgExecutor;
  /** The namespace (schema). */
  namespace: string;
  /** The pool. */
  sql: Sql;
  /** Whether Stem opened the pool (and so ends it). */
  owned: boolean;
}

/** Opens (or adopts) the pool, migrates within `connectTimeout`, and wraps it in an executor. */
export async function openPg(url: string, options: PostgresConnectOptions): Promise<PgParts> {
  const { sql, owned, namespace, backoff } = await connectMigrated(url, options, migrate);
  const executor = new PgExecutor(sql, {
    operationTimeoutMs: toMillis(options.operationTimeout ?? "30s"),
    clock: options.clock,
    ownsPool: owned,
    onSuccess: () => backoff.reset(),
  });
  return { executor, namespace, sql, owned };
}

/** Builds a broker on `parts`; `onClose` ends what it owns. */
export function pgBroker<T extends SqlBroker>(
  Ctor: new (...args: ConstructorParameters<typeof SqlBroker>) => T,
  parts: PgParts,
  options: PostgresConnectOptions,
  onClose?: () => Promise<void>,
): T {
  const notifier = new Notifier(parts.sql, `${parts.namespace}_jobs`.toLowerCase());
  const poll = options.pollInterval ?? 5_000;
  return new Ctor(parts.executor, new PgJobWake(notifier), {
    ...options,
    pollMin: poll,
    pollMax: poll,
    onClose,
  });
}

/** Builds statuses, groups, heartbeats and kv on `parts`. */
export function pgBackend<T extends SqlResultBackend>(
  Ctor: new (...args: ConstructorParameters<typeof SqlResultBackend>) => T,
  parts: PgParts,
  options: PostgresConnectOptions,
  onClose?: () => Promise<void>,
): T {
  const notifier = new Notifier(parts.sql, `${parts.namespace}_results`.toLowerCase());
  const watch = new PgStatusWatch(parts.executor, notifier, options);
  return new Ctor(parts.executor, watch, { ...options, onClose });
}

/** The event bus on `parts`: LISTEN/NOTIFY on "<schema>_bus". */
export function pgEventBus(parts: PgParts, options: PostgresConnectOptions): PgEventBus {
  const notifier = new Notifier(parts.sql, `${parts.namespace}_bus`.toLowerCase());
  return new PgEventBus(parts.executor, notifier, { clock: options.clock });
}

/**
 * Connects every Postgres store on ONE postgres.js pool: migrates (advisory lock) within
 * `connectTimeout`, then builds the broker, dead letters, statuses, groups, heartbeats and kv.
 * `close()` closes each store once, then the pool.
 */
export async function connectPostgres(
  url: string,
  options: PostgresConnectOptions = {},
): Promise<PostgresStoreSet> {
  const parts = await openPg(url, options);
  const broker = pgBroker(SqlBroker, parts, options);
  const backend = pgBackend(SqlResultBackend, parts, options);
  return {
    ...sqlStoreSet(broker, backend, () => parts.executor.close(), pgEventBus(parts, options)),
    workflows: new SqlWorkflowStore(parts.executor, { clock: options.clock }),
    schedules: new SqlScheduleStore(parts.executor, {
      clock: options.clock,
      changes: pgScheduleChanges(parts.sql, `${parts.namespace}_schedules`.toLowerCase()),
    }),
    sql: parts.sql,
  };
}
