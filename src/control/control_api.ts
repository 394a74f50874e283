import type { IsolatePoolStats } from "../isolate/isolate_options.ts";
import type { Duration } from "../core/duration.ts";
import type { RevokeEntry } from "./revoke_store.ts";
import type { RevokeOptions } from "./revoke_task.ts";

/** How a worker stops on `shutdown`. */
export type ShutdownMode =
  /** Stop consuming and let in-flight tasks finish, however long they take. */
  | "warm"
  /** Stop consuming, give in-flight tasks `grace`, then abort them and hand them back. */
  | "soft"
  /** Stop consuming, abort in-flight tasks now and hand them back to their queues. */
  | "hard";

/** The shutdown modes, for argument checks. */
export const SHUTDOWN_MODES: readonly ShutdownMode[] = ["warm", "soft", "hard"];

/** Who a command goes to and how long replies are awaited. */
export interface ControlOptions {
  /**
   * Worker ids to address; absent or empty means every worker. Every addressed worker receives
   * the command (it is broadcast on the event bus, not taken from a queue).
   */
  targets?: readonly string[];
  /** How long replies are collected. @default "2s" */
  timeout?: Duration;
}

/** One worker's answer. */
export interface ControlReply<T> {
  /** The worker that answered. */
  workerId: string;
  /** False when the worker could not carry the command out (`error` says why). */
  ok: boolean;
  /** The answer, when `ok`. */
  payload: T | null;
  /** What went wrong, when not `ok`. */
  error: { code: string; message: string } | null;
}

/** Every reply a command got within its timeout, and who stayed silent. */
export interface ControlResult<T> {
  /** The request's id (its replies travel on a topic of their own). */
  requestId: string;
  /** Replies in arrival order. */
  replies: ControlReply<T>[];
  /**
   * Workers expected to answer that did not: the named targets, or (for "every worker") the
   * workers whose heartbeat says they are online.
   */
  missing: string[];
}

/** A task a worker is running, as `inspect` and `stats` list it. */
export interface RunningTaskInfo {
  /** Task id. */
  id: string;
  /** Task name. */
  name: string;
  /** The queue it came from. */
  queue: string;
  /** Attempt number, from 0. */
  attempt: number;
  /** When the handler started, epoch ms (null while admission runs). */
  startedAt: number | null;
  /** Milliseconds since the handler started (0 before). */
  runtimeMs: number;
  /** Milliseconds since the delivery's lease was last granted or renewed; null without lease. */
  leaseAgeMs: number | null;
  /** When the current lease runs out, epoch ms; null without lease. */
  leaseExpiresAt: number | null;
}

/** Reply to `ping`. */
export interface PingReply {
  /** The worker's clock when it answered, epoch ms. */
  timestamp: number;
  /** Queues it consumes (paused ones included). */
  queues: string[];
  /** Tasks running now. */
  inflight: number;
}

/** Reply to `inspect`. */
export interface InspectReply {
  /** Tasks running now. */
  running: RunningTaskInfo[];
  /** Revocations the worker honours (live entries of its revoke store). */
  revocations: RevokeEntry[];
}

/** Memory figures a runtime exposes (bytes); absent fields are unknown. */
export interface MemoryUsage {
  /** Resident set size. */
  rss?: number;
  /** JavaScript heap in use. */
  heapUsed?: number;
  /** JavaScript heap reserved. */
  heapTotal?: number;
}

/** Reply to `stats`. */
export interface StatsReply {
  /** Worker id. */
  workerId: string;
  /** What the worker says about itself (host, pid, runtime, version). */
  identity: Record<string, unknown>;
  /** Tasks it runs at once now (between the `autoscale` bounds when it has them). */
  concurrency: number;
  /** The worker's autoscale bounds, or null when its concurrency is fixed. */
  autoscale: { min: number; max: number } | null;
  /** Its isolate pool (tasks with `isolation: "worker"`), or null when it has none. */
  isolates: IsolatePoolStats | null;
  /** Deliveries it may hold leased. */
  prefetch: number;
  /** Tasks running now. */
  inflight: number;
  /** Running tasks per queue. */
  inflightByQueue: Record<string, number>;
  /** Queues it consumes (paused ones included). */
  queues: string[];
  /** Queues it does not consume now because they are paused. */
  pausedQueues: string[];
  /** Milliseconds since `start()`. */
  uptimeMs: number;
  /** Tasks that reached an outcome since start (succeeded, failed, retried, cancelled). */
  processed: number;
  /** Tasks that succeeded since start. */
  succeeded: number;
  /** Tasks that failed for good since start. */
  failed: number;
  /** Tasks scheduled for a retry since start. */
  retried: number;
  /** The runtime's memory figures, or null when the worker has no memory probe. */
  memory: MemoryUsage | null;
  /** True once a shutdown began. */
  stopping: boolean;
}

/** Reply to `pause` and `resume`. */
export interface QueueStateReply {
  /** Queues this worker consumes now. */
  consuming: string[];
  /** Queues of this worker that are paused. */
  paused: string[];
}

/** Reply to `shutdown`. */
export interface ShutdownReply {
  /** The mode the worker stops in. */
  mode: ShutdownMode;
  /** Tasks running when the command arrived. */
  inflight: number;
  /**
   * False when a shutdown was already under way: the first one's mode holds, except that a
   * `hard` one cuts a warm or soft one short (running tasks are handed back at once).
   */
  initiated: boolean;
}

/** Reply to `revoke`. */
export interface RevokeReply {
  /** Ids of tasks this worker was running and aborted (terminate). */
  terminated: string[];
}

/** A paused queue as persisted (so a worker started later honours it). */
export interface PausedQueue {
  /** The queue. */
  queue: string;
  /** Why, as given to `pause`. */
  reason: string;
  /** When it was paused, epoch ms. */
  pausedAt: number;
}

/** Options of `pause` / `resume`. */
export interface QueuePauseOptions extends ControlOptions {
  /** Why; stored with the pause and shown by `stem worker inspect`. @default "paused" */
  reason?: string;
}

/** Options of `shutdown`. */
export interface ControlShutdownOptions extends ControlOptions {
  /** How the workers stop. @default "warm" */
  mode?: ShutdownMode;
  /** For `soft`: how long in-flight tasks may run before they are handed back. @default "30s" */
  grace?: Duration;
}

/**
 * Remote control of running workers (`app.control`): commands travel over the store set's
 * `EventBus` to every addressed worker and replies are collected until the timeout. Pauses are
 * also persisted in `AtomicKv`, so they hold for workers started later and without a bus.
 * The dashboard's buttons and `stem worker …` call exactly these methods.
 */
export interface ControlApi {
  /** True when the store set has an event bus (otherwise the commands reject). */
  readonly available: boolean;
  /** Asks workers to answer. */
  ping(options?: ControlOptions): Promise<ControlResult<PingReply>>;
  /** Running tasks (with lease age) and revocations, per worker. */
  inspect(options?: ControlOptions): Promise<ControlResult<InspectReply>>;
  /** Concurrency, in-flight per queue, paused queues, uptime, counters, memory, per worker. */
  stats(options?: ControlOptions): Promise<ControlResult<StatsReply>>;
  /**
   * Pauses queues: persisted first (every worker, including later ones, stops consuming them;
   * in-flight tasks finish), then announced so running workers act at once. Works without a
   * bus (workers re-read pauses every few seconds); the result then has no replies.
   */
  pause(
    queues: string | string[],
    options?: QueuePauseOptions,
  ): Promise<ControlResult<QueueStateReply>>;
  /** Resumes paused queues (persisted, then announced). */
  resume(
    queues: string | string[],
    options?: ControlOptions,
  ): Promise<ControlResult<QueueStateReply>>;
  /** The persisted pauses, in queue order. */
  pausedQueues(): Promise<PausedQueue[]>;
  /** Asks workers to stop in `mode` (default warm); replies arrive before they stop. */
  shutdown(options?: ControlShutdownOptions): Promise<ControlResult<ShutdownReply>>;
  /**
   * Persists a revocation (like `app.revoke`) and tells running workers at once, so a
   * `terminate` aborts the task without waiting for the workers' next revocation read.
   */
  revoke(
    taskId: string,
    options?: RevokeOptions & ControlOptions,
  ): Promise<ControlResult<RevokeReply> & { entry: RevokeEntry }>;
}
