import type { WorkerHeartbeat } from "../backend/result_backend.ts";
import type { Envelope, JsonValue } from "../core/envelope.ts";
import type { Signal } from "./signal.ts";
import type {
  SignalCatalog,
  TaskFailedPayload,
  TaskRef,
  TaskRejectedPayload,
  TaskRetryPayload,
  TaskSucceededPayload,
} from "./stem_signals.ts";

/** Narrows a shortcut subscription: only payloads of this task and/or this worker. */
export interface SignalFilter {
  /** Only this task name. */
  taskName?: string;
  /** Only this worker id. */
  workerId?: string;
}

type Listener<T> = (payload: T) => unknown;
type Unsubscribe = () => void;

/** One-line subscriptions with optional filters; each returns a function that unsubscribes. */
export interface StemSignalShortcuts {
  /** Before an envelope is published (`taskName` filters). */
  onBeforeTaskPublish(fn: Listener<{ envelope: Envelope }>, filter?: SignalFilter): Unsubscribe;
  /** After an envelope is published (`taskName` filters). */
  onAfterTaskPublish(fn: Listener<{ envelope: Envelope }>, filter?: SignalFilter): Unsubscribe;
  /** A worker received a delivery. */
  onTaskReceived(fn: Listener<TaskRef>, filter?: SignalFilter): Unsubscribe;
  /** A handler started. */
  onTaskStarted(fn: Listener<TaskRef>, filter?: SignalFilter): Unsubscribe;
  /** A task succeeded. */
  onTaskSuccess(fn: Listener<TaskSucceededPayload>, filter?: SignalFilter): Unsubscribe;
  /** A task failed for good. */
  onTaskFailure(fn: Listener<TaskFailedPayload>, filter?: SignalFilter): Unsubscribe;
  /** A task will be retried. */
  onTaskRetry(fn: Listener<TaskRetryPayload>, filter?: SignalFilter): Unsubscribe;
  /** A task reported progress. */
  onTaskProgress(
    fn: Listener<TaskRef & { percent: number; data?: JsonValue }>,
    filter?: SignalFilter,
  ): Unsubscribe;
  /** A message was dead-lettered without running. */
  onTaskRejected(fn: Listener<TaskRejectedPayload>, filter?: SignalFilter): Unsubscribe;
  /** A task was cancelled before it ran. */
  onTaskCancelled(fn: Listener<TaskRef & { reason: string }>, filter?: SignalFilter): Unsubscribe;
  /** A worker is consuming (`workerId` filters). */
  onWorkerReady(
    fn: Listener<{ workerId: string; queues: string[] }>,
    filter?: SignalFilter,
  ): Unsubscribe;
  /** A worker began shutting down. */
  onWorkerStopping(fn: Listener<{ workerId: string }>, filter?: SignalFilter): Unsubscribe;
  /** A worker finished shutting down. */
  onWorkerShutdown(
    fn: Listener<{ workerId: string; requeued: number }>,
    filter?: SignalFilter,
  ): Unsubscribe;
  /** A worker's heartbeat. */
  onWorkerHeartbeat(fn: Listener<WorkerHeartbeat>, filter?: SignalFilter): Unsubscribe;
}

function matches(payload: unknown, filter: SignalFilter | undefined): boolean {
  if (!filter) return true;
  const p = payload as { name?: string; workerId?: string; envelope?: Envelope };
  const name = p.envelope?.name ?? p.name;
  if (filter.taskName !== undefined && name !== filter.taskName) return false;
  return filter.workerId === undefined || p.workerId === filter.workerId;
}

function on<T>(signal: Signal<T>) {
  return (fn: Listener<T>, filter?: SignalFilter): Unsubscribe =>
    signal.connect(fn, filter ? { filter: (p) => matches(p, filter) } : {});
}

/** The shortcuts over one catalogue. */
export function shortcutsFor(s: SignalCatalog): StemSignalShortcuts {
  return {
    onBeforeTaskPublish: on(s.beforeTaskPublish),
    onAfterTaskPublish: on(s.afterTaskPublish),
    onTaskReceived: on(s.taskReceived),
    onTaskStarted: on(s.taskStarted),
    onTaskSuccess: on(s.taskSucceeded),
    onTaskFailure: on(s.taskFailed),
    onTaskRetry: on(s.taskRetry),
    onTaskProgress: on(s.taskProgress),
    onTaskRejected: on(s.taskRejected),
    onTaskCancelled: on(s.taskCancelled),
    onWorkerReady: on(s.workerReady),
    onWorkerStopping: on(s.workerStopping),
    onWorkerShutdown: on(s.workerShutdown),
    onWorkerHeartbeat: on(s.workerHeartbeat),
  };
}
