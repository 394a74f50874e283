import type { Context } from "hono";
import { streamSSE } from "hono/streaming";
import type { Clock } from "../core/clock.ts";
import type { DashboardApp } from "./dashboard_options.ts";

/**
 * A cheap fingerprint of what the pages show: queue counts, worker heartbeats, the newest status
 * write and the schedule entries' versions. Any task write moves the newest status, so a change
 * anywhere changes it.
 */
export async function stateDigest(app: DashboardApp, queues: readonly string[]): Promise<string> {
  const { stores } = app;
  const [beats, latest, schedules] = await Promise.all([
    stores.heartbeats.listWorkerHeartbeats(),
    stores.statuses.listTaskStatuses({ limit: 1 }),
    app.schedules.list(),
  ]);
  const names = new Set(queues);
  for (const beat of beats) for (const q of beat.queues) names.add(q);
  const counts = await Promise.all([...names].sort().map((q) => stores.broker.counts(q)));
  return JSON.stringify([
    counts,
    beats.map((b) => [b.workerId, b.timestamp, b.inflight]),
    latest.map((s) => [s.id, s.state, s.timestamps.updatedAt]),
    schedules.map((s) => [s.id, s.version, s.lastRunAt]),
  ]);
}

const KEEP_ALIVE_MS = 5_000;

function pause(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = clock.setTimeout(done, ms);
    function done() {
      clock.clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/**
 * `GET /events`: a server-sent event stream that says `change` whenever {@link stateDigest}
 * moves; the page script then re-renders its live region. A `ready` event opens the stream.
 */
export function liveEvents(
  c: Context,
  app: DashboardApp,
  queues: readonly string[],
  options: { clock: Clock; intervalMs: number; signal?: AbortSignal },
): Response {
  return streamSSE(c, async (stream) => {
    const stop = new AbortController();
    stream.onAbort(() => stop.abort());
    options.signal?.addEventListener("abort", () => stop.abort(), { once: true });
    if (options.signal?.aborted) stop.abort();
    await stream.writeSSE({ event: "ready", data: String(options.intervalMs) });
    let last = await stateDigest(app, queues).catch(() => "");
    let wrote = options.clock.now();
    while (!stop.signal.aborted) {
      await pause(options.clock, options.intervalMs, stop.signal);
      if (stop.signal.aborted) break;
      const digest = await stateDigest(app, queues).catch(() => last);
      if (digest === last) {
        // A comment now and then keeps idle-timeout proxies (and Bun.serve) from closing it.
        if (options.clock.now() - wrote >= KEEP_ALIVE_MS) {
          await stream.write(": keep-alive\n\n");
          wrote = options.clock.now();
        }
        continue;
      }
      last = digest;
      await stream.writeSSE({ event: "change", data: String(options.clock.now()) });
      wrote = options.clock.now();
    }
  });
}
