/**
 * The seam for queue pause/resume on the queue pages. It is shaped like remote control's
 * `app.control` (a subset of it), so once that lands the wiring is `control: app.control`; any
 * object with these methods works too. When it is given, the Pause/Resume buttons and their POST
 * routes appear; until then the pages show no buttons.
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
export interface DashboardQueueControl {
  /** Pauses consumption of a queue on every worker (persisted). */
  pause(queue: string): Promise<unknown>;
  /** Resumes a paused queue. */
  resume(queue: string): Promise<unknown>;
  /** The queues paused now; without it, both buttons show. */
  pausedQueues?(): Promise<readonly { queue: string }[]>;
}
