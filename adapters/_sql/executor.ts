import type { TaskStatus } from "../../src/backend/task_status.ts";
import type { Unwatch } from "../../src/backend/status_store.ts";
import type { SharedQueries } from "./queries.ts";

/** A bind parameter: what both postgres.js and the SQLite bindings accept (arrays: Postgres). */
export type SqlParam = string | number | bigint | boolean | null | SqlParam[];

/** A result row. */
export type SqlRow = Record<string, unknown>;

/** One statement of an atomic batch. */
export interface SqlStatement {
  /** The query text (a value of the dialect's `SQL` table). */
  query: string;
  /** Its parameters, in order. */
  params: SqlParam[];
}

/** Per-call options. */
export interface SqlCallOptions {
  /**
   * The statement may run twice without harm (a read, a delete by token, an upsert): the
   * executor may retry it once after a connection the server terminated. @default false
   */
  idempotent?: boolean;
}

/**
 * The few calls the shared SQL layer makes; one implementation per dialect. The dialects differ in
 * how they run `many`: Postgres runs the query once with one array per column (`unnest`), SQLite
 * runs it once per row inside one synchronous transaction.
 */
export interface SqlExecutor {
  /** The dialect's query texts, by the names the shared layer uses. */
  readonly sql: SharedQueries;
  /** Every row of a query. */
  all<T = SqlRow>(query: string, params: SqlParam[], options?: SqlCallOptions): Promise<T[]>;
  /** Runs a write; resolves with the number of rows it changed. */
  run(query: string, params: SqlParam[], options?: SqlCallOptions): Promise<number>;
  /**
   * Runs `query` for each of `rows` (plus the `shared` trailing parameters) atomically and
   * returns every row they returned, in order.
   */
  many<T = SqlRow>(
    query: string,
    rows: SqlParam[][],
    shared?: SqlParam[],
    options?: SqlCallOptions,
  ): Promise<T[]>;
  /**
   * Runs `first` and then the statements `then` builds from their results, in one transaction.
   * `then` is synchronous on purpose: SQLite runs the whole batch without yielding.
   */
  atomic<T = SqlRow>(
    first: SqlStatement[],
    then?: (
      results: T[][],
    ) => { many?: { query: string; rows: SqlParam[][]; shared?: SqlParam[] } },
  ): Promise<T[][]>;
  /**
   * True when one statement can update a row and insert from its result (Postgres's writable
   * CTEs); a fenced checkpoint write is then one round trip instead of a transaction.
   */
  readonly writableCtes: boolean;
  /** True when the database has a clock of its own that {@link serverNow} reads. */
  readonly serverClock: boolean;
  /** The server's clock (epoch ms) where the database has one of its own, else null. */
  serverNow(): Promise<number> | null;
  /** Closes the connection (the pool or the file handle). */
  close(): Promise<void>;
}

/** Wake-ups for consumers: new messages on a queue. */
export interface JobWakeSource {
  /** Consumers wake on new messages without polling (across processes). */
  readonly blocking: boolean;
  /** Registers for wake-ups of these queues; `onReconnect` runs when notifications were lost. */
  subscribe(queues: Set<string>, wake: () => void): () => void;
  /** Resolves when notifications are active. */
  ready(): Promise<void>;
  /** Called after this process published to `queues` (Postgres's SQL already notified). */
  published(queues: Iterable<string>): void;
  /** Stops listening. */
  close(): Promise<void>;
}

/** A status write as the shared layer hands it to the watch source. */
export interface WrittenStatus {
  /** The status as written. */
  status: TaskStatus;
  /** The row the write query returned (dialect columns such as `version` included). */
  row: SqlRow;
}

/** How a dialect tells watchers about status writes. */
export interface StatusWatchSource {
  /** `watch` sees other processes' writes. */
  readonly crossProcess: boolean;
  /** Calls `listener` with every later status of `id`; active when the promise resolves. */
  watch(id: string, listener: (status: TaskStatus) => void): Promise<Unwatch>;
  /** Called after this process wrote statuses. */
  written(items: WrittenStatus[]): void;
  /** Periodic maintenance (expired registrations); resolves with rows removed. */
  cleanup(now: number): Promise<number>;
  /** Stops watching. */
  close(): Promise<void>;
}
