/**
 * The seam for queue pause/resume on the queue pages. Remote control (`app.control`) is built
 * separately; pass an object with these methods as `stemDashboard(app, { control })` and the
 * Pause/Resume buttons and their POST routes appear. Until then the pages show no buttons.
 *
 * @example
 * ```ts ignore
 * stemDashboard(app, {
 *   auth: false,
 *   control: {
 *     pause: (queue) => app.control.pause(queue),
 *     resume: (queue) => app.control.resume(queue),
 *     paused: () => app.control.pausedQueues(),
 *   },
 * });
 * ```
 */
export interface DashboardQueueControl {
  /** Pauses consumption of a queue on every worker (persisted). */
  pause(queue: string): Promise<unknown>;
  /** Resumes a paused queue. */
  resume(queue: string): Promise<unknown>;
  /** The queues paused now; without it, both buttons show. */
  paused?(): Promise<readonly string[]>;
}
