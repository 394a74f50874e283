import type { Broker, Delivery } from "../broker/broker.ts";
import type { Duration } from "../core/duration.ts";
import type { Envelope } from "../core/envelope.ts";
import type { TaskStatus, TaskStatusInput } from "./task_status.ts";

/** Options for {@link StatusStore.set}. */
export interface SetStatusOptions {
  /** How long the record lives after this write. @default the backend's default (1 day) */
  ttl?: Duration;
}

/** Stops a watch. */
export type Unwatch = () => Promise<void>;

/** Filter for {@link StatusStore.listTaskStatuses}. */
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

/** What a {@link StatusStore} can do beyond the basics. */
export interface StatusStoreCapabilities {
  /** `watch` sees writes made by other processes (not only this one). */
  crossProcessWatch: boolean;
}

/** Stores task statuses and results and lets callers watch them. */
export interface StatusStore {
  /** What this store supports. */
  readonly capabilities: StatusStoreCapabilities;
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
  /**
   * Optional: writes a final status and acks `delivery` on `broker` in one atomic round trip
   * (the status is stored before the message is gone), when the broker lives on this store's
   * connection. Returns null, having done nothing, when it cannot; the caller then calls `set`
   * and `broker.ack`. A stale receipt acks nothing, as `ack` would.
   */
  setAndAck?(
    status: TaskStatusInput,
    options: SetStatusOptions,
    broker: Broker,
    delivery: Delivery,
  ): Promise<TaskStatus> | null;
  /**
   * Optional: creates `status` (as `create`: only if no record has its id) and publishes
   * `envelope` on `broker` in one round trip that no other client interleaves with, when the
   * broker lives on this store's connection; the status exists before any consumer can claim the
   * message. Resolves with whether the status was created (the envelope is published either
   * way). Returns null, having done nothing, when it cannot; the caller then calls `create` and
   * `broker.publish`.
   */
  createAndPublish?(
    status: TaskStatusInput,
    options: SetStatusOptions,
    broker: Broker,
    envelope: Envelope,
  ): Promise<boolean> | null;
}

/** Default lifetime of task statuses and groups. */
export const DEFAULT_RESULT_TTL_MS = 86_400_000;
