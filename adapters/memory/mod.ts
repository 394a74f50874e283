/**
 * In-memory stores: the embedded default for tests and demos, and the reference every adapter's
 * contract suites are measured against.
 *
 * @module
 */
import { connectMemory, type MemoryConnectOptions } from "./memory_store_set.ts";
import type { StemAdapter, StoreSet } from "../../src/core/adapter.ts";

export { InMemoryBroker } from "./memory_broker.ts";
export type { InMemoryBrokerOptions } from "./memory_broker.ts";
export { InMemoryResultBackend } from "./memory_result_backend.ts";
export type { InMemoryResultBackendOptions } from "./memory_result_backend.ts";
export { InMemoryKv } from "./memory_kv.ts";
export { InMemoryWorkflowStore } from "./memory_workflow_store.ts";
export type { InMemoryWorkflowStoreOptions } from "./memory_workflow_store.ts";
export { InMemoryEventBus } from "./memory_event_bus.ts";
export { connectMemory } from "./memory_store_set.ts";
export type { MemoryConnectOptions, MemoryStoreSet } from "./memory_store_set.ts";

/** Adapter for `memory://` URLs (each call makes a new, empty instance). */
export const stemAdapter: StemAdapter<MemoryConnectOptions> = {
  schemes: ["memory"],
  connect: (_url: string, options?: MemoryConnectOptions): Promise<StoreSet> =>
    Promise.resolve(connectMemory(options)),
};
