import type { GroupStore } from "./group_store.ts";
import type { HeartbeatStore } from "./heartbeat_store.ts";
import type { ResultBackend } from "./result_backend.ts";
import type { StatusStore } from "./status_store.ts";

/**
 * One {@link ResultBackend} over separate status, group and heartbeat stores, for code written
 * against the intersection. `close` calls the given function (the store set's close), once.
 *
 * @example
 * ```ts ignore
 * const backend = combineResultBackend(set.statuses, set.groups, set.heartbeats, set.close);
 * ```
 */
export function combineResultBackend(
  statuses: StatusStore,
  groups: GroupStore,
  heartbeats: HeartbeatStore,
  close: () => Promise<void> = () => Promise.resolve(),
): ResultBackend {
  let closing: Promise<void> | undefined;
  const setAndAck = statuses.setAndAck?.bind(statuses);
  const createAndPublish = statuses.createAndPublish?.bind(statuses);
  return {
    capabilities: statuses.capabilities,
    set: (status, options) => statuses.set(status, options),
    create: (status, options) => statuses.create(status, options),
    get: (id) => statuses.get(id),
    watch: (id, listener) => statuses.watch(id, listener),
    expire: (id, ttl) => statuses.expire(id, ttl),
    listTaskStatuses: (query) => statuses.listTaskStatuses(query),
    ...(setAndAck ? { setAndAck } : {}),
    ...(createAndPublish ? { createAndPublish } : {}),
    initGroup: (group) => groups.initGroup(group),
    addGroupResult: (groupId, status) => groups.addGroupResult(groupId, status),
    getGroup: (groupId) => groups.getGroup(groupId),
    claimChord: (groupId, callbackTaskId) => groups.claimChord(groupId, callbackTaskId),
    setWorkerHeartbeat: (heartbeat, options) => heartbeats.setWorkerHeartbeat(heartbeat, options),
    getWorkerHeartbeat: (workerId) => heartbeats.getWorkerHeartbeat(workerId),
    listWorkerHeartbeats: () => heartbeats.listWorkerHeartbeats(),
    close: () => (closing ??= close()),
  };
}
