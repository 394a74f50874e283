import { type SqlStoreSet, sqlStoreSet } from "../_sql/sql_store_set.ts";
import type { StoreSetOptions } from "../../src/core/adapter.ts";
import { type Duration, toMillis } from "../../src/core/duration.ts";
import type { StemError } from "../../src/core/errors.ts";
import { LocalJobWake } from "../_sql/local_wake.ts";
import { SqlBroker } from "../_sql/sql_broker.ts";
import { SqlResultBackend } from "../_sql/sql_result_backend.ts";
import { SqlScheduleStore } from "../_sql/sql_schedule_store.ts";
import { SqlWorkflowStore } from "../_sql/sql_workflow_store.ts";
import { SqlPolledEventBus } from "../_sql/sql_polled_bus.ts";
import { openDatabase, type SqliteOpenOptions } from "./open_database.ts";
import { SqliteExecutor } from "./sqlite_executor.ts";
import { SqliteStatusWatch } from "./sqlite_status_watch.ts";

/** Options of {@link connectSqlite} (and `stemAdapter.connect` for `sqlite:` URLs). */
export interface SqliteConnectOptions extends SqliteOpenOptions, StoreSetOptions {
  /** Lease length when the envelope has no `visibilityTimeout`. @default "30s" */
  defaultVisibilityTimeout?: Duration;
  /** First idle poll; doubles while idle. @default "20ms" */
  pollMin?: Duration;
  /** Longest idle poll (other processes' messages are seen within this). @default "1s" */
  pollMax?: Duration;
  /** Most messages leased in one claim. @default 100 */
  maxBatch?: number;
  /** Lifetime of statuses and groups. @default "1d" */
  defaultTtl?: Duration;
  /** How often expired rows are deleted (reads ignore them anyway). @default "5m" */
  cleanupInterval?: Duration;
  /** How often watched tasks are checked for writes by other processes. @default "100ms" */
  watchPollInterval?: Duration;
  /** How often event-bus subscribers (remote control, workflow events) poll the file. @default "100ms" */
  busPollInterval?: Duration;
  /** Also receives errors a consumer recovered from (the logger gets them as warnings). */
  onError?: (error: StemError) => void;
}

/** Every SQLite store on one handle. */
export interface SqliteStoreSet extends SqlStoreSet {
  /** The executor on the shared handle. */
  executor: SqliteExecutor;
}

/** Opens (creating and migrating) the file and wraps the handle in an executor. */
export async function openSqlite(
  path: string,
  options: SqliteConnectOptions,
): Promise<SqliteExecutor> {
  return new SqliteExecutor(await openDatabase(path, options));
}

/** Builds a broker on `executor`; `onClose` closes what it owns. */
export function sqliteBroker<T extends SqlBroker>(
  Ctor: new (...args: ConstructorParameters<typeof SqlBroker>) => T,
  executor: SqliteExecutor,
  wake: LocalJobWake,
  options: SqliteConnectOptions,
  onClose?: () => Promise<void>,
): T {
  return new Ctor(executor, wake, { ...options, onClose });
}

/** Builds statuses, groups, heartbeats and kv on `executor`. */
export function sqliteBackend<T extends SqlResultBackend>(
  Ctor: new (...args: ConstructorParameters<typeof SqlResultBackend>) => T,
  executor: SqliteExecutor,
  options: SqliteConnectOptions,
  onClose?: () => Promise<void>,
): T {
  const watch = new SqliteStatusWatch(executor, {
    clock: options.clock,
    pollMs: toMillis(options.watchPollInterval ?? 100),
  });
  return new Ctor(executor, watch, { ...options, onClose });
}

/**
 * Opens every SQLite store on ONE handle (`./stem.db`, `sqlite:./stem.db` or `:memory:`):
 * broker, dead letters, statuses, groups, heartbeats and kv. Publishes wake this process's
 * consumers at once; other processes sharing the file are seen by polling. `close()` closes
 * each store once, then the handle.
 */
export async function connectSqlite(
  path: string,
  options: SqliteConnectOptions = {},
): Promise<SqliteStoreSet> {
  const executor = await openSqlite(path, options);
  const broker = sqliteBroker(SqlBroker, executor, new LocalJobWake(), options);
  const backend = sqliteBackend(SqlResultBackend, executor, options);
  return {
    ...sqlStoreSet(
      broker,
      backend,
      () => executor.close(),
      new SqlPolledEventBus(executor, {
        clock: options.clock,
        pollMs: toMillis(options.busPollInterval ?? 100),
      }),
    ),
    workflows: new SqlWorkflowStore(executor, { clock: options.clock }),
    schedules: new SqlScheduleStore(executor, { clock: options.clock }),
    executor,
  };
}
