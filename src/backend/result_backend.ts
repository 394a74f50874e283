import type { Duration } from "../core/duration.ts";
import type { JsonValue } from "../core/envelope.ts";
import type { TaskStatus, TaskStatusInput } from "./task_status.ts";

/** Options for {@link ResultBackend.set}. */
export interface SetStatusOptions {
  /** How long the record lives after this write. @default the backend's default (1 day) */
  ttl?: Duration;
}

/** Stops a watch. */
export type Unwatch = () => Promise<void>;

/** A set of tasks whose results are collected together (canvas groups and chords). */
export interface GroupDescriptor {
  /** Group id. */
  id: string;
  /** Number of members. */
  expected: number;
  /** Free-form metadata (chord callback, batch info). */
  meta?: Record<string, JsonValue>;
  /** How long the group lives. @default 1 day */
  ttl?: Duration;
}

/** Collected results of a group. */
export interface GroupStatus {
  /** Group id. */
  id: string;
  /** Number of members. */
  expected: number;
  /** Terminal statuses received so far, by task id. */
  results: Record<string, TaskStatus>;
  /** Group metadata. */
  meta: Record<string, JsonValue>;
}

/** A worker's periodic liveness record. */
export interface WorkerHeartbeat {
  /** Worker id. */
  workerId: string;
  /** When it was sent, epoch ms. */
  timestamp: number;
  /** Tasks running now. */
  inflight: number;
  /** Queues consumed. */
  queues: string[];
  /** Anything else (host, pid, counters). */
  extras?: Record<string, JsonValue>;
}

/** Filter for {@link ResultBackend.listTaskStatuses}. */
export interface TaskStatusQuery {
  /** Only this state. */
  state?: TaskStatus["state"];
  /** Only tasks whose `meta.queue` equals this. */
  queue?: string;
  /** Page size. @default 50 */
  limit?: number;
  /** Page offset. @default 0 */
  offset?: number;
}

/** Stores task statuses and results, group bookkeeping and worker heartbeats. */
export interface ResultBackend {
  /** Writes the full status of a task (overwrites; keeps `createdAt`) and notifies watchers. */
  set(status: TaskStatusInput, options?: SetStatusOptions): Promise<TaskStatus>;
  /**
   * Writes the status only if no live record has its id, atomically; resolves false (writing
   * nothing) when one exists. Producers use it for explicit task ids and to record `queued` in
   * parallel with the publish without ever overwriting a worker's later write.
   */
  create(status: TaskStatusInput, options?: SetStatusOptions): Promise<boolean>;
  /** Reads a status; null when missing or expired. */
  get(id: string): Promise<TaskStatus | null>;
  /**
   * Calls `listener` with every status written for `id` from now on, by any process sharing the
   * backend where the adapter can notify. The watch is active when the promise resolves.
   */
  watch(id: string, listener: (status: TaskStatus) => void): Promise<Unwatch>;
  /** Resets the TTL of a record from now. */
  expire(id: string, ttl: Duration): Promise<void>;
  /** Lists statuses, newest update first. */
  listTaskStatuses(query?: TaskStatusQuery): Promise<TaskStatus[]>;
  /** Creates (or resets) a group. */
  initGroup(group: GroupDescriptor): Promise<void>;
  /** Records a member's terminal status; returns the group, or null when it is missing. */
  addGroupResult(groupId: string, status: TaskStatus): Promise<GroupStatus | null>;
  /** Reads a group; null when missing or expired. */
  getGroup(groupId: string): Promise<GroupStatus | null>;
  /** True for exactly one caller per group: the one that dispatches the chord callback. */
  claimChord(groupId: string, callbackTaskId: string): Promise<boolean>;
  /** Stores a worker heartbeat with a TTL. @default ttl 60s */
  setWorkerHeartbeat(heartbeat: WorkerHeartbeat, options?: { ttl?: Duration }): Promise<void>;
  /** Reads one worker's last heartbeat. */
  getWorkerHeartbeat(workerId: string): Promise<WorkerHeartbeat | null>;
  /** Lists live worker heartbeats. */
  listWorkerHeartbeats(): Promise<WorkerHeartbeat[]>;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/** Default lifetime of task statuses and groups. */
export const DEFAULT_RESULT_TTL_MS = 86_400_000;
/** Default lifetime of worker heartbeats. */
export const DEFAULT_HEARTBEAT_TTL_MS = 60_000;
