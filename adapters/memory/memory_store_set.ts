import { KvHeartbeatStore } from "../../src/backend/kv_heartbeat_store.ts";
import type { StoreSet, StoreSetOptions } from "../../src/core/adapter.ts";
import type { Duration } from "../../src/core/duration.ts";
import { InMemoryBroker } from "./memory_broker.ts";
import { InMemoryKv } from "./memory_kv.ts";
import { InMemoryResultBackend } from "./memory_result_backend.ts";
import { InMemoryEventBus } from "./memory_event_bus.ts";
import { InMemoryWorkflowStore } from "./memory_workflow_store.ts";

/** Options of the memory adapter's `connect`. */
export interface MemoryConnectOptions extends StoreSetOptions {
  /** Lease length when an envelope has no `visibilityTimeout`. @default "30s" */
  defaultVisibilityTimeout?: Duration;
  /** Lifetime of statuses and groups. @default "1d" */
  defaultTtl?: Duration;
}

/** Every store of the memory adapter, with the backend as one object for `ResultBackend` users. */
export interface MemoryStoreSet extends StoreSet {
  /** The broker (also `deadLetters`). */
  broker: InMemoryBroker;
  /** The result backend (also `statuses` and `groups`). */
  statuses: InMemoryResultBackend;
  /** The key-value store heartbeats (and later locks and revocations) live in. */
  kv: InMemoryKv;
  /** Workflow runs. */
  workflows: InMemoryWorkflowStore;
  /** In-process topic notifications. */
  events: InMemoryEventBus;
}

/**
 * A fresh, empty set of in-process stores sharing one clock and logger. Nothing is shared
 * between two calls: `memory://` has no server to share.
 *
 * @example
 * ```ts
 * import { connectMemory } from "./memory_store_set.ts";
 * const stores = connectMemory();
 * await stores.kv.set("greeting", "hello");
 * await stores.close();
 * ```
 */
export function connectMemory(options: MemoryConnectOptions = {}): MemoryStoreSet {
  const { clock, logger } = options;
  const kv = new InMemoryKv({ clock });
  const heartbeats = new KvHeartbeatStore(kv);
  const broker = new InMemoryBroker({
    clock,
    logger,
    defaultVisibilityTimeout: options.defaultVisibilityTimeout,
  });
  const backend = new InMemoryResultBackend({
    clock,
    logger,
    heartbeats,
    defaultTtl: options.defaultTtl,
  });
  const workflows = new InMemoryWorkflowStore({ clock });
  const events = new InMemoryEventBus();
  let closing: Promise<void> | undefined;
  return {
    broker,
    deadLetters: broker,
    statuses: backend,
    groups: backend,
    heartbeats,
    kv,
    workflows,
    events,
    close: () => (closing ??= Promise.all([broker.close(), backend.close(), events.close()]).then(
      () => {},
    )),
  };
}
