import type { KvHeartbeatStore } from "../../src/backend/kv_heartbeat_store.ts";
import type { StoreSet } from "../../src/core/adapter.ts";
import type { EventBus } from "../../src/workflow/event_bus.ts";
import type { SqlBroker } from "./sql_broker.ts";
import type { SqlGroupStore } from "./sql_group_store.ts";
import type { SqlKv } from "./sql_kv.ts";
import type { SqlResultBackend } from "./sql_result_backend.ts";
import type { SqlScheduleStore } from "./sql_schedule_store.ts";
import type { SqlStatusStore } from "./sql_status_store.ts";
import type { SqlWorkflowStore } from "./sql_workflow_store.ts";

/** Every store of the shared SQL layer on one connection; Postgres and SQLite add their handle. */
export interface SqlStoreSet extends StoreSet {
  /** The broker (also the dead-letter store). */
  broker: SqlBroker;
  /** Same object as `broker`. */
  deadLetters: SqlBroker;
  /** Task statuses. */
  statuses: SqlStatusStore;
  /** Groups and chord claims. */
  groups: SqlGroupStore;
  /** Worker heartbeats, the generic store over `kv`. */
  heartbeats: KvHeartbeatStore;
  /** Atomic key-value entries. */
  kv: SqlKv;
  /** Workflow runs (the Postgres and SQLite sets add it). */
  workflows?: SqlWorkflowStore;
  /** Beat's schedule entries (the Postgres and SQLite sets add it). */
  schedules?: SqlScheduleStore;
  /** Statuses, groups and heartbeats as one ResultBackend. */
  backend: SqlResultBackend;
}

/**
 * The set over one broker and one result backend on a shared connection: `close()` closes the
 * event bus, the broker, then the backend, then the connection (`closeHandle`), once.
 */
export function sqlStoreSet(
  broker: SqlBroker,
  backend: SqlResultBackend,
  closeHandle: () => Promise<void>,
  events?: EventBus,
): SqlStoreSet {
  let closing: Promise<void> | null = null;
  return {
    broker,
    deadLetters: broker,
    statuses: backend.statuses,
    groups: backend.groups,
    heartbeats: backend.heartbeats,
    kv: backend.kv,
    backend,
    ...(events ? { events } : {}),
    close: () =>
      closing ??= (async () => {
        await events?.close().catch(() => {});
        await broker.close();
        await backend.close();
        await closeHandle();
      })(),
  };
}
