import { MetaKey } from "../../src/core/meta_keys.ts";
import {
  DEFAULT_RESULT_TTL_MS,
  type GroupDescriptor,
  type GroupStatus,
  type ResultBackend,
  type SetStatusOptions,
  type TaskStatusQuery,
  type Unwatch,
  type WorkerHeartbeat,
} from "../../src/backend/result_backend.ts";
import type { HeartbeatStore } from "../../src/backend/heartbeat_store.ts";
import { KvHeartbeatStore } from "../../src/backend/kv_heartbeat_store.ts";
import type { StatusStoreCapabilities } from "../../src/backend/status_store.ts";
import type { TaskStatus, TaskStatusInput } from "../../src/backend/task_status.ts";
import { WatchHub } from "../../src/backend/watch_hub.ts";
import { type Clock, systemClock } from "../../src/core/clock.ts";
import { type Duration, toMillis } from "../../src/core/duration.ts";
import type { Logger } from "../../src/observability/logger.ts";
import { jsonCopy } from "./json_copy.ts";
import { copyStatus, readStatus, writtenTimestamps } from "./status_copy.ts";
import { InMemoryKv } from "./memory_kv.ts";

/** Options for {@link InMemoryResultBackend}. */
export interface InMemoryResultBackendOptions {
  /** Lifetime of statuses and groups. @default "1d" */
  defaultTtl?: Duration;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Where a failing watcher is reported. @default silentLogger */
  logger?: Logger;
  /** Heartbeat store to delegate to. @default a KvHeartbeatStore over a new InMemoryKv */
  heartbeats?: HeartbeatStore;
}

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/** A stored status (a detached copy) and its expiry; a class, one shape for every entry. */
class StoredStatus implements Expiring<TaskStatus> {
  value: TaskStatus;
  expiresAt: number;

  constructor(value: TaskStatus, expiresAt: number) {
    this.value = value;
    this.expiresAt = expiresAt;
  }
}

/**
 * The in-process reference result backend. Expired records read as missing. Statuses and group
 * results are stored as detached copies made with JSON's rules, and every read returns its own
 * copy, so a value fails (or changes) here as it would on a durable backend.
 *
 * @example
 * ```ts
 * import { InMemoryResultBackend } from "./memory_result_backend.ts";
 * const backend = new InMemoryResultBackend();
 * await backend.get("nope"); // null
 * ```
 */
export class InMemoryResultBackend implements ResultBackend {
  /** Watches see only this instance's writes. */
  readonly capabilities: StatusStoreCapabilities = { crossProcessWatch: false };
  readonly #statuses = new Map<string, StoredStatus>();
  readonly #groups = new Map<string, Expiring<GroupStatus>>();
  readonly #hub: WatchHub;
  readonly #heartbeats: HeartbeatStore;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  #writes = 0;
  #lastSweep = 0;

  /** Creates an empty backend. */
  constructor(options: InMemoryResultBackendOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = toMillis(options.defaultTtl ?? DEFAULT_RESULT_TTL_MS);
    this.#hub = new WatchHub({ logger: options.logger });
    this.#heartbeats = options.heartbeats ??
      new KvHeartbeatStore(new InMemoryKv({ clock: this.#clock }));
  }

  /** Writes a status and notifies watchers; rejects a status JSON cannot encode. */
  // deno-lint-ignore require-await
  async set(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<TaskStatus> {
    const now = this.#clock.now();
    const previous = this.#statuses.get(input.id);
    const createdAt = previous && previous.expiresAt > now
      ? previous.value.timestamps.createdAt
      : now;
    const stored = copyStatus(input, writtenTimestamps(input, createdAt, now));
    const ttl = options.ttl === undefined ? this.#ttlMs : toMillis(options.ttl);
    this.#statuses.set(input.id, new StoredStatus(stored, now + ttl));
    if (now - this.#lastSweep > 60_000 && ++this.#writes > 1_000) this.#sweep(now);
    if (this.#hub.has(input.id)) this.#hub.notify(readStatus(stored));
    // The caller's own top-level object and timestamps (as the Redis and SQL backends return).
    return { ...input, timestamps: { ...stored.timestamps } } as TaskStatus;
  }

  /** Writes the status unless a live record has its id. */
  async create(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<boolean> {
    // Whether a live record exists is enough: no parse of its text.
    if (this.#live(this.#statuses, input.id, this.#clock.now()) !== undefined) return false;
    await this.set(input, options);
    return true;
  }

  /** Reads a live status. */
  get(id: string): Promise<TaskStatus | null> {
    return Promise.resolve(this.#read(id, this.#clock.now()) ?? null);
  }

  /** Calls `listener` on every later write of `id` through this instance. */
  watch(id: string, listener: (status: TaskStatus) => void): Promise<Unwatch> {
    return Promise.resolve(this.#hub.watch(id, listener));
  }

  /** Resets a status's TTL from now. */
  expire(id: string, ttl: Duration): Promise<void> {
    const entry = this.#statuses.get(id);
    if (entry) entry.expiresAt = this.#clock.now() + toMillis(ttl);
    return Promise.resolve();
  }

  /** Lists live statuses, newest update first. */
  listTaskStatuses(query: TaskStatusQuery = {}): Promise<TaskStatus[]> {
    const now = this.#clock.now();
    const items = [...this.#statuses.values()]
      .filter((e) => e.expiresAt > now)
      .map((e) => readStatus(e.value))
      .filter((s) => !query.state || s.state === query.state)
      .filter((s) => !query.queue || s.meta.queue === query.queue)
      .sort((a, b) => b.timestamps.updatedAt - a.timestamps.updatedAt);
    const offset = query.offset ?? 0;
    return Promise.resolve(items.slice(offset, offset + (query.limit ?? 50)));
  }

  /** Creates or resets a group. */
  // deno-lint-ignore require-await
  async initGroup(group: GroupDescriptor): Promise<void> {
    const ttl = group.ttl === undefined ? this.#ttlMs : toMillis(group.ttl);
    this.#groups.set(group.id, {
      value: jsonCopy({
        id: group.id,
        expected: group.expected,
        results: {},
        meta: group.meta ?? {},
      }),
      expiresAt: this.#clock.now() + ttl,
    });
  }

  /** Records a member result. */
  // deno-lint-ignore require-await
  async addGroupResult(groupId: string, status: TaskStatus): Promise<GroupStatus | null> {
    const group = this.#live(this.#groups, groupId, this.#clock.now());
    if (!group) return null;
    group.results[status.id] = jsonCopy(status);
    return jsonCopy(group);
  }

  /** Reads a group. */
  getGroup(groupId: string): Promise<GroupStatus | null> {
    const group = this.#live(this.#groups, groupId, this.#clock.now());
    return Promise.resolve(group ? jsonCopy(group) : null);
  }

  /** True for the first caller only. */
  claimChord(groupId: string, callbackTaskId: string): Promise<boolean> {
    const group = this.#live(this.#groups, groupId, this.#clock.now());
    if (!group || group.meta[MetaKey.chordClaimed] === true) return Promise.resolve(false);
    group.meta[MetaKey.chordClaimed] = true;
    group.meta[MetaKey.chordCallbackTaskId] = callbackTaskId;
    group.meta[MetaKey.chordDispatchedAt] = this.#clock.now();
    return Promise.resolve(true);
  }

  /** Stores a heartbeat with a TTL (in the heartbeat store). */
  setWorkerHeartbeat(heartbeat: WorkerHeartbeat, options: { ttl?: Duration } = {}): Promise<void> {
    return this.#heartbeats.setWorkerHeartbeat(heartbeat, options);
  }

  /** Reads a live heartbeat. */
  getWorkerHeartbeat(workerId: string): Promise<WorkerHeartbeat | null> {
    return this.#heartbeats.getWorkerHeartbeat(workerId);
  }

  /** Lists live heartbeats. */
  listWorkerHeartbeats(): Promise<WorkerHeartbeat[]> {
    return this.#heartbeats.listWorkerHeartbeats();
  }

  /** Drops watchers. */
  close(): Promise<void> {
    this.#hub.clear();
    return Promise.resolve();
  }

  #read(id: string, now: number): TaskStatus | undefined {
    const stored = this.#live(this.#statuses, id, now);
    return stored === undefined ? undefined : readStatus(stored);
  }

  #live<T>(map: Map<string, Expiring<T>>, key: string, now: number): T | undefined {
    const entry = map.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      map.delete(key);
      return undefined;
    }
    return entry.value;
  }

  #sweep(now: number): void {
    this.#lastSweep = now;
    this.#writes = 0;
    for (const map of [this.#statuses, this.#groups] as Map<string, Expiring<unknown>>[]) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
  }
}
