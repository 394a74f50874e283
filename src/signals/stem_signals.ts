import type { TaskError } from "../backend/task_status.ts";
import type { WorkerHeartbeat } from "../backend/result_backend.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";
import { Signal, type SignalErrorHandler } from "./signal.ts";
import { shortcutsFor, type StemSignalShortcuts } from "./signal_shortcuts.ts";

export type { SignalFilter, StemSignalShortcuts } from "./signal_shortcuts.ts";

/** Identifies a task in signal payloads. */
export interface TaskRef {
  /** Task id. */
  id: string;
  /** Task name. */
  name: string;
  /** 0-based attempt. */
  attempt: number;
  /** Queue. */
  queue: string;
  /** Worker that handled it (absent on producer signals). */
  workerId?: string;
}

/** Payload of `taskSucceeded`. */
export interface TaskSucceededPayload extends TaskRef {
  /** The handler's return value (before result encoding). */
  result: unknown;
  /** Handler run time. */
  runtimeMs: number;
}

/** Payload of `taskFailed`. */
export interface TaskFailedPayload extends TaskRef {
  /** The failure. */
  error: TaskError;
  /** Dead-letter reason, when the task was dead-lettered. */
  deadLetterReason?: string;
}

/** Payload of `taskRetry`. */
export interface TaskRetryPayload extends TaskRef {
  /** Why it is retried. */
  error: TaskError;
  /** When the next attempt becomes visible, epoch ms. */
  nextRetryAt: number;
}

/** Payload of `taskRejected`: a message that was never run (malformed, bad signature, unknown task). */
export interface TaskRejectedPayload extends TaskRef {
  /** Dead-letter reason. */
  reason: string;
  /** Human-readable detail. */
  message: string;
}

/** Payload of `taskLeaseRenewed`: one renewal of a running task's delivery lease. */
export interface TaskLeaseRenewedPayload extends TaskRef {
  /** `renewed`; `lost` (another worker may run it now); `failed` (retried shortly). */
  result: "renewed" | "lost" | "failed";
}

/** Payload of `taskDeduplicated`: an enqueue of a unique task that found one pending. */
export interface TaskDeduplicatedPayload {
  /** The task that holds the unique key (the id the enqueue returned). */
  existingId: string;
  /** The id the refused enqueue would have had. */
  duplicateId: string;
  /** Task name. */
  name: string;
  /** Queue. */
  queue: string;
  /** The unique key both share. */
  uniqueKey: string;
  /** The unique mode (`until-complete`, `throttle`, `debounce`). */
  mode: string;
}

/** Identifies one fire of a schedule entry in Beat's signals. */
export interface ScheduleFire {
  /** The entry id. */
  entryId: string;
  /** The task it enqueues. */
  task: string;
  /** The scheduled fire time, epoch ms. */
  fireAt: number;
  /** The dispatched task id (derived from entry and fire time). */
  taskId: string;
}

/** Payload of `rateLimiterDegraded`: the rate limiter failed and the limit was skipped or applied closed. */
export interface RateLimiterDegradedPayload extends TaskRef {
  /** The limit's key. */
  key: string;
  /** `failOpen` (the task ran) or `failClosed` (it was put off). */
  mode: "failOpen" | "failClosed";
  /** What the limiter threw. */
  error: unknown;
}

/** The catalogue of Stem signals, by name. */
export interface SignalCatalog {
  /** Before an envelope is published. */
  beforeTaskPublish: Signal<{ envelope: Envelope }>;
  /** After an envelope is published. */
  afterTaskPublish: Signal<{ envelope: Envelope }>;
  /** A worker received a delivery. */
  taskReceived: Signal<TaskRef>;
  /** A handler started. */
  taskStarted: Signal<TaskRef>;
  /** A handler finished successfully. */
  taskSucceeded: Signal<TaskSucceededPayload>;
  /** A task failed for good. */
  taskFailed: Signal<TaskFailedPayload>;
  /** A task will be retried. */
  taskRetry: Signal<TaskRetryPayload>;
  /** A task reported progress. */
  taskProgress: Signal<TaskRef & { percent: number; data?: JsonValue }>;
  /** A task passed its soft time limit. */
  taskSoftTimeLimit: Signal<TaskRef & { limitMs: number }>;
  /** A task was cancelled (expired before it ran). */
  taskCancelled: Signal<TaskRef & { reason: string }>;
  /** A message was dead-lettered without running. */
  taskRejected: Signal<TaskRejectedPayload>;
  /** An enqueue of a unique task returned the pending one's id instead of publishing. */
  taskDeduplicated: Signal<TaskDeduplicatedPayload>;
  /** A worker renewed (or failed to renew) a running task's lease. */
  taskLeaseRenewed: Signal<TaskLeaseRenewedPayload>;
  /** Beat is about to dispatch a fire. */
  scheduleEntryDue: Signal<ScheduleFire>;
  /** Beat published a fire; `driftMs` is publish time minus fire time. */
  scheduleEntryDispatched: Signal<ScheduleFire & { driftMs: number; duplicate: boolean }>;
  /** Beat could not dispatch a fire; it is retried on the next tick. */
  scheduleEntryFailed: Signal<ScheduleFire & { error: string }>;
  /** A rate limiter call failed (the metric of a degraded limiter). */
  rateLimiterDegraded: Signal<RateLimiterDegradedPayload>;
  /** A worker is consuming. */
  workerReady: Signal<{ workerId: string; queues: string[] }>;
  /** A worker began shutting down. */
  workerStopping: Signal<{ workerId: string }>;
  /** A worker finished shutting down. */
  workerShutdown: Signal<{ workerId: string; requeued: number }>;
  /** A worker's periodic heartbeat. */
  workerHeartbeat: Signal<WorkerHeartbeat>;
}

/** The signals plus `onTaskSuccess(fn, { taskName })`-style shortcuts that return an unsubscribe. */
export type StemSignalSet = SignalCatalog & StemSignalShortcuts;

/** Creates a fresh set of signals (each app and worker can have its own). */
export function createSignals(onError?: SignalErrorHandler): StemSignalSet {
  const catalog = createCatalog(onError);
  return { ...catalog, ...shortcutsFor(catalog) };
}

function createCatalog(onError?: SignalErrorHandler): SignalCatalog {
  const s = <T>(name: string) => new Signal<T>(name, onError);
  return {
    beforeTaskPublish: s("beforeTaskPublish"),
    afterTaskPublish: s("afterTaskPublish"),
    taskReceived: s("taskReceived"),
    taskStarted: s("taskStarted"),
    taskSucceeded: s("taskSucceeded"),
    taskFailed: s("taskFailed"),
    taskRetry: s("taskRetry"),
    taskProgress: s("taskProgress"),
    taskSoftTimeLimit: s("taskSoftTimeLimit"),
    taskCancelled: s("taskCancelled"),
    taskRejected: s("taskRejected"),
    taskDeduplicated: s("taskDeduplicated"),
    taskLeaseRenewed: s("taskLeaseRenewed"),
    scheduleEntryDue: s("scheduleEntryDue"),
    scheduleEntryDispatched: s("scheduleEntryDispatched"),
    scheduleEntryFailed: s("scheduleEntryFailed"),
    rateLimiterDegraded: s("rateLimiterDegraded"),
    workerReady: s("workerReady"),
    workerStopping: s("workerStopping"),
    workerShutdown: s("workerShutdown"),
    workerHeartbeat: s("workerHeartbeat"),
  };
}

/** Process-wide signals; every worker and producer emits here as well as on its own set. */
export const StemSignals: StemSignalSet = createSignals();

/** True when anyone listens to `key` globally or on `local`; lets hot paths skip building payloads. */
export function hasListeners(local: StemSignalSet | undefined, key: keyof SignalCatalog): boolean {
  return StemSignals[key].active || (local !== undefined && local[key].active);
}

/** Emits on the global set and on `local` (when given and different). */
export function emitSignal<K extends keyof SignalCatalog>(
  local: StemSignalSet | undefined,
  key: K,
  payload: Parameters<SignalCatalog[K]["emit"]>[0],
): void {
  // No closure per call: this runs several times for every task, mostly with no listener.
  // deno-lint-ignore no-explicit-any
  const global = StemSignals[key] as Signal<any>;
  if (global.active) global.emit(payload);
  if (local === undefined || local === StemSignals) return;
  // deno-lint-ignore no-explicit-any
  const own = local[key] as Signal<any>;
  if (own.active) own.emit(payload);
}
