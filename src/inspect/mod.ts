/**
 * Read models shared by the `stem` CLI, the HTTP API and the dashboard: queue counts, workers
 * with online/offline state, store health. None reaches into adapter internals.
 *
 * @module
 */
export {
  checkHealth,
  type HealthCheckOptions,
  type HealthReport,
  type StoreProbe,
} from "./health_check.ts";
export { type QueueOverview, queueOverview, type QueueOverviewSource } from "./queue_overview.ts";
export {
  DEFAULT_HEARTBEAT_INTERVAL_MS,
  type WorkerOverview,
  workerOverview,
  workerView,
} from "./worker_overview.ts";
export { type TaskView, taskView } from "./task_view.ts";
