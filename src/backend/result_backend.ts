import type { GroupStore } from "./group_store.ts";
import type { HeartbeatStore } from "./heartbeat_store.ts";
import type { StatusStore } from "./status_store.ts";

export type { SetStatusOptions, TaskStatusQuery, Unwatch } from "./status_store.ts";
export { DEFAULT_RESULT_TTL_MS } from "./status_store.ts";
export type { GroupDescriptor, GroupStatus } from "./group_store.ts";
export type { WorkerHeartbeat } from "./heartbeat_store.ts";
export { DEFAULT_HEARTBEAT_TTL_MS } from "./heartbeat_store.ts";

/**
 * Statuses, groups and heartbeats together, as one object: what a worker and a producer need.
 * Kept as the intersection of the capability ports so code written against it keeps working.
 */
export interface ResultBackend extends StatusStore, GroupStore, HeartbeatStore {
  /** Releases connections and timers. */
  close(): Promise<void>;
}
