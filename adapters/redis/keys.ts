/**
 * The only module that spells Redis key names. Every key of one queue shares the hash tag
 * `{queue}` so the queue's scripts run on Redis Cluster; backend keys share `{results}` or
 * `{workers}`.
 *
 * @module
 */

/** Number of priority bands (one stream each): priorities 0–9. */
export const PRIORITY_BANDS = 10;

/** Keys of one queue. */
export interface QueueKeys {
  /** Queue name. */
  readonly queue: string;
  /** One stream per priority band, index = band (0 lowest). */
  readonly bands: readonly string[];
  /** Sorted set of delayed messages scored by due time. */
  readonly delayed: string;
  /** Sorted set of leased entries (`band|id`) scored by lease deadline. */
  readonly leases: string;
  /** Stream of dead letters, oldest first. */
  readonly dead: string;
  /** Hash: envelope id → dead-letter stream id. */
  readonly deadIndex: string;
}

/** Rejects names that would break the hash tag. */
function checkName(kind: string, name: string): void {
  if (name === "" || /[{}]/.test(name)) {
    throw new RangeError(
      `Invalid ${kind} name "${name}": use a non-empty name without "{" or "}".`,
    );
  }
}

/** Builds the keys of `queue` in `namespace`. */
export function queueKeys(namespace: string, queue: string): QueueKeys {
  checkName("queue", queue);
  const base = `${namespace}:{${queue}}`;
  return {
    queue,
    bands: Array.from({ length: PRIORITY_BANDS }, (_, b) => `${base}:p${b}`),
    delayed: `${base}:delayed`,
    leases: `${base}:leases`,
    dead: `${base}:dead`,
    deadIndex: `${base}:dead-ids`,
  };
}

/** Consumer-group name used on every stream of a namespace. */
export function groupName(namespace: string): string {
  return `${namespace}:workers`;
}

/** Keys of the result backend. */
export interface BackendKeys {
  /** Status record of a task (string `createdAt|updatedAt|json`). */
  task(id: string): string;
  /** Sorted set of task ids scored by last update. */
  readonly index: string;
  /** Sorted set of watched task ids, scored by when the watch lapses. */
  readonly watchers: string;
  /** Short stream of a task's updates, written only while it is watched. */
  events(id: string): string;
  /** Pub/sub channel of a task's updates. */
  channel(id: string): string;
  /** Hash with a group's expected count, metadata and chord claim. */
  group(id: string): string;
  /** Hash: member task id → status JSON. */
  groupResults(id: string): string;
  /** Hash: worker id → heartbeat JSON. */
  readonly heartbeats: string;
  /** Sorted set: worker id → heartbeat expiry. */
  readonly heartbeatIndex: string;
}

/** Builds the backend keys of `namespace`. */
export function backendKeys(namespace: string): BackendKeys {
  const r = `${namespace}:{results}`;
  const w = `${namespace}:{workers}`;
  return {
    task: (id) => `${r}:task:${id}`,
    index: `${r}:index`,
    watchers: `${r}:watchers`,
    events: (id) => `${r}:events:${id}`,
    channel: (id) => `${namespace}:status:${id}`,
    group: (id) => `${r}:group:${id}`,
    groupResults: (id) => `${r}:group-results:${id}`,
    heartbeats: `${w}:heartbeats`,
    heartbeatIndex: `${w}:heartbeat-expiry`,
  };
}
