import {
  DEFAULT_HEARTBEAT_TTL_MS,
  DEFAULT_RESULT_TTL_MS,
  type GroupDescriptor,
  type GroupStatus,
  type ResultBackend,
  type SetStatusOptions,
  type TaskStatusQuery,
  type Unwatch,
  type WorkerHeartbeat,
} from "../../src/backend/result_backend.ts";
import type { TaskStatus, TaskStatusInput } from "../../src/backend/task_status.ts";
import { type Clock, systemClock } from "../../src/core/clock.ts";
import { type Duration, toMillis } from "../../src/core/duration.ts";

/** Options for {@link InMemoryResultBackend}. */
export interface InMemoryResultBackendOptions {
  /** Lifetime of statuses and groups. @default "1d" */
  defaultTtl?: Duration;
  /** Time source. @default systemClock */
  clock?: Clock;
}

interface Expiring<T> {
  value: T;
  expiresAt: number;
}

/**
 * The in-process reference result backend. Expired records read as missing.
 *
 * @example
 * ```ts
 * import { InMemoryResultBackend } from "./memory_result_backend.ts";
 * const backend = new InMemoryResultBackend();
 * await backend.get("nope"); // null
 * ```
 */
export class InMemoryResultBackend implements ResultBackend {
  readonly #statuses = new Map<string, Expiring<TaskStatus>>();
  readonly #groups = new Map<string, Expiring<GroupStatus>>();
  readonly #heartbeats = new Map<string, Expiring<WorkerHeartbeat>>();
  readonly #watchers = new Map<string, Set<(status: TaskStatus) => void>>();
  readonly #clock: Clock;
  readonly #ttlMs: number;
  #writes = 0;
  #lastSweep = 0;

  /** Creates an empty backend. */
  constructor(options: InMemoryResultBackendOptions = {}) {
    this.#clock = options.clock ?? systemClock;
    this.#ttlMs = toMillis(options.defaultTtl ?? DEFAULT_RESULT_TTL_MS);
  }

  /** Writes a status and notifies watchers. */
  set(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<TaskStatus> {
    const now = this.#clock.now();
    const previous = this.#live(this.#statuses, input.id, now);
    const status = { ...input } as TaskStatus;
    status.timestamps = {
      ...input.timestamps,
      createdAt: previous?.timestamps.createdAt ?? now,
      updatedAt: now,
    };
    const ttl = options.ttl === undefined ? this.#ttlMs : toMillis(options.ttl);
    this.#statuses.set(input.id, { value: status, expiresAt: now + ttl });
    if (now - this.#lastSweep > 60_000 && ++this.#writes > 1_000) this.#sweep(now);
    const listeners = this.#watchers.get(input.id);
    if (listeners) {
      for (const listener of [...listeners]) {
        try {
          listener(status);
        } catch (error) {
          // A broken watcher must not fail the write (the worker would never ack).
          console.warn("[stem] a status watcher threw:", error);
        }
      }
    }
    return Promise.resolve(status);
  }

  /** Writes the status unless a live record has its id. */
  async create(input: TaskStatusInput, options: SetStatusOptions = {}): Promise<boolean> {
    if (this.#live(this.#statuses, input.id, this.#clock.now())) return false;
    await this.set(input, options);
    return true;
  }

  /** Reads a live status. */
  get(id: string): Promise<TaskStatus | null> {
    return Promise.resolve(this.#live(this.#statuses, id, this.#clock.now()) ?? null);
  }

  /** Calls `listener` on every later write of `id`. */
  watch(id: string, listener: (status: TaskStatus) => void): Promise<Unwatch> {
    let set = this.#watchers.get(id);
    if (!set) this.#watchers.set(id, set = new Set());
    set.add(listener);
    return Promise.resolve(() => {
      set.delete(listener);
      if (set.size === 0) this.#watchers.delete(id);
      return Promise.resolve();
    });
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
      .map((e) => e.value)
      .filter((s) => !query.state || s.state === query.state)
      .filter((s) => !query.queue || s.meta.queue === query.queue)
      .sort((a, b) => b.timestamps.updatedAt - a.timestamps.updatedAt);
    const offset = query.offset ?? 0;
    return Promise.resolve(items.slice(offset, offset + (query.limit ?? 50)));
  }

  /** Creates or resets a group. */
  initGroup(group: GroupDescriptor): Promise<void> {
    const ttl = group.ttl === undefined ? this.#ttlMs : toMillis(group.ttl);
    this.#groups.set(group.id, {
      value: { id: group.id, expected: group.expected, results: {}, meta: { ...group.meta } },
      expiresAt: this.#clock.now() + ttl,
    });
    return Promise.resolve();
  }

  /** Records a member result. */
  addGroupResult(groupId: string, status: TaskStatus): Promise<GroupStatus | null> {
    const group = this.#live(this.#groups, groupId, this.#clock.now());
    if (!group) return Promise.resolve(null);
    group.results[status.id] = status;
    return Promise.resolve(structuredClone(group));
  }

  /** Reads a group. */
  getGroup(groupId: string): Promise<GroupStatus | null> {
    const group = this.#live(this.#groups, groupId, this.#clock.now());
    return Promise.resolve(group ? structuredClone(group) : null);
  }

  /** True for the first caller only. */
  claimChord(groupId: string, callbackTaskId: string): Promise<boolean> {
    const group = this.#live(this.#groups, groupId, this.#clock.now());
    if (!group || group.meta["stem.chord.claimed"] === true) return Promise.resolve(false);
    group.meta["stem.chord.claimed"] = true;
    group.meta["stem.chord.callbackTaskId"] = callbackTaskId;
    group.meta["stem.chord.dispatchedAt"] = this.#clock.now();
    return Promise.resolve(true);
  }

  /** Stores a heartbeat with a TTL. */
  setWorkerHeartbeat(heartbeat: WorkerHeartbeat, options: { ttl?: Duration } = {}): Promise<void> {
    const ttl = toMillis(options.ttl ?? DEFAULT_HEARTBEAT_TTL_MS);
    this.#heartbeats.set(heartbeat.workerId, {
      value: structuredClone(heartbeat),
      expiresAt: this.#clock.now() + ttl,
    });
    return Promise.resolve();
  }

  /** Reads a live heartbeat. */
  getWorkerHeartbeat(workerId: string): Promise<WorkerHeartbeat | null> {
    return Promise.resolve(this.#live(this.#heartbeats, workerId, this.#clock.now()) ?? null);
  }

  /** Lists live heartbeats. */
  listWorkerHeartbeats(): Promise<WorkerHeartbeat[]> {
    const now = this.#clock.now();
    return Promise.resolve(
      [...this.#heartbeats.values()].filter((e) => e.expiresAt > now).map((e) => e.value),
    );
  }

  /** Drops watchers. */
  close(): Promise<void> {
    this.#watchers.clear();
    return Promise.resolve();
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
    for (
      const map of [this.#statuses, this.#groups, this.#heartbeats] as Map<
        string,
        Expiring<unknown>
      >[]
    ) {
      for (const [key, entry] of map) if (entry.expiresAt <= now) map.delete(key);
    }
  }
}
