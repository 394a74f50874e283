/** Who answered a worker command, as the dashboard reports it. */
export interface DashboardControlResult {
  /** The workers that answered, and whether they could carry the command out. */
  replies: readonly { workerId: string; ok: boolean }[];
  /** The addressed workers that stayed silent. */
  missing: readonly string[];
}

/**
 * The seam for remote control on the queue and worker pages. It is shaped like `app.control` (a
 * subset of it), so once remote control is merged the wiring is `control: app.control`; any
 * object with these methods works too. Each method that is present adds its buttons and POST
 * route: Pause/Resume on queue pages, Ping and Shutdown per worker. Without `control` the pages
 * show no such buttons and the routes do not exist.
 *
 * @example
 * ```ts ignore
 * stemDashboard(app, { auth: false, control: app.control });
 * // or your own:
 * stemDashboard(app, {
 *   auth: false,
 *   control: { pause: (q) => myPause(q), resume: (q) => myResume(q) },
 * });
 * ```
 */
export interface DashboardControl {
  /** Pauses consumption of a queue on every worker (persisted). */
  pause(queue: string): Promise<unknown>;
  /** Resumes a paused queue. */
  resume(queue: string): Promise<unknown>;
  /** The queues paused now; without it, both buttons show. */
  pausedQueues?(): Promise<readonly { queue: string }[]>;
  /** Asks the `targets` workers to answer. */
  ping?(options: { targets?: string[] }): Promise<DashboardControlResult>;
  /** Asks the `targets` workers to stop in `mode`. */
  shutdown?(options: {
    targets?: string[];
    mode?: "warm" | "soft" | "hard";
  }): Promise<DashboardControlResult>;
}
