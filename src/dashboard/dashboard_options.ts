import type { StoreSet } from "../core/adapter.ts";
import type { Clock } from "../core/clock.ts";
import type { Duration } from "../core/duration.ts";
import type { DeadLetterStore } from "../broker/dead_letter_store.ts";
import type { RevokeEntry } from "../control/revoke_store.ts";
import type { RevokeOptions } from "../control/revoke_task.ts";
import type { TaskRegistry } from "../core/task_registry.ts";
import type { Logger } from "../observability/logger.ts";
import type { Stem } from "../producer/stem.ts";
import type { Beat } from "../scheduler/beat.ts";
import type { ScheduleStore } from "../scheduler/schedule_store.ts";
import type { DashboardAuthOptions } from "./dashboard_auth.ts";
import type { DashboardControl } from "./dashboard_control.ts";

/**
 * What the dashboard reads and acts on: a `StemApp` (or `workflowApp.app`) has all of it. Runs,
 * checkpoints and watchers come from `stores.workflows` when the adapter has it.
 */
export interface DashboardApp {
  /** The producer: enqueue, status reads, result decoding. */
  readonly stem: Stem;
  /** Every store (broker counts, statuses, heartbeats, workflows). */
  readonly stores: StoreSet;
  /** Dead letters (replays reset the task status, as `app.deadLetters` does). */
  readonly deadLetters: DeadLetterStore;
  /** Beat's schedule entries. */
  readonly schedules: ScheduleStore;
  /** Registered tasks (names offered by the enqueue form). */
  readonly registry: Pick<TaskRegistry, "list">;
  /** Revokes a task (persisted; marks a waiting task cancelled). */
  revoke(taskId: string, options?: RevokeOptions): Promise<RevokeEntry>;
  /** Enables and disables schedule entries. */
  readonly beat: Pick<Beat, "setEnabled">;
}

/** Options of `stemDashboard`. */
export interface DashboardOptions {
  /**
   * Who may open it. `false` turns auth off: only for a dashboard bound to loopback or behind a
   * proxy that authenticates (`stem dashboard` refuses it on other interfaces).
   */
  auth: DashboardAuthOptions | false;
  /** Path the dashboard is served under, e.g. `"/admin/stem"`. @default "" (the root) */
  basePath?: string;
  /** Queues to show besides those live workers consume. @default the producer's default queue */
  queues?: string[];
  /** Page title prefix. @default "Stem" */
  title?: string;
  /** How often the live stream looks for changes. @default "2s" */
  refreshInterval?: Duration;
  /** Hide every action and refuse POSTs. @default false */
  readOnly?: boolean;
  /** Tasks the enqueue form may enqueue (names, a predicate, or false for none). @default every task */
  enqueue?: boolean | string[] | ((name: string) => boolean);
  /** Makes the CSRF token the same in every process serving this dashboard. @default random per process */
  csrfSecret?: string;
  /** Extra origins whose POSTs are accepted (a proxy's public origin). @default [] */
  trustedOrigins?: string[];
  /** Remote control (see `DashboardControl`, e.g. `app.control`): pause/resume, ping, shutdown. */
  control?: DashboardControl;
  /** Statuses read to draw the last hour's throughput. @default 500 */
  chartSample?: number;
  /** Ends the live streams, so a graceful server shutdown does not wait on them forever. */
  signal?: AbortSignal;
  /** Time source. @default systemClock */
  clock?: Clock;
  /** Where unexpected (500) errors are logged. @default silentLogger */
  logger?: Logger;
}
