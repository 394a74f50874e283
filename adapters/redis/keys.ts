/**
 * The only module that spells Redis key names. Every key of one queue shares the hash tag
 * `{queue}` so the queue's scripts run on Redis Cluster; backend keys share `{results}`, and
 * every AtomicKv key shares `{kv}`.
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
  /**
   * One due stream per priority band, index = band: delayed messages that fell due, which a
   * claim reads before the band's own stream.
   */
  readonly due: readonly string[];
  /**
   * Hash: band → unread entries of that band's due stream, kept only while a claim left some
   * unread (it had no room), so a claim reads a due stream only when it holds something.
   */
  readonly dueUnread: string;
  /** Sorted set of leased entries (`band|id|count`, band `d<b>` for a due stream) by deadline. */
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
    due: Array.from({ length: PRIORITY_BANDS }, (_, b) => `${base}:p${b}d`),
    dueUnread: `${base}:due-unread`,
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
}

/** Builds the backend keys of `namespace`. */
export function backendKeys(namespace: string): BackendKeys {
  const r = `${namespace}:{results}`;
  return {
    task: (id) => `${r}:task:${id}`,
    index: `${r}:index`,
    watchers: `${r}:watchers`,
    events: (id) => `${r}:events:${id}`,
    channel: (id) => `${namespace}:status:${id}`,
    group: (id) => `${r}:group:${id}`,
    groupResults: (id) => `${r}:group-results:${id}`,
  };
}

/** Keys of the AtomicKv (heartbeats, and later locks, revocations and rate limits live here). */
export interface KvKeys {
  /** String holding the value of `key`, with the key's TTL. */
  value(key: string): string;
  /** Sorted set of every live key, score 0, so a prefix listing is one ZRANGEBYLEX. */
  readonly index: string;
  /** Sorted set of keys with a TTL, scored by when they lapse, to prune the index. */
  readonly expiry: string;
}

/** Builds the kv keys of `namespace`. */
export function kvKeys(namespace: string): KvKeys {
  const base = `${namespace}:{kv}`;
  return {
    value: (key) => `${base}:v:${key}`,
    index: `${base}:index`,
    expiry: `${base}:expiry`,
  };
}
