import type { StoreSet } from "../core/adapter.ts";
import type { Clock, TimerHandle } from "../core/clock.ts";

/** The outcome of probing one store. */
export interface StoreProbe {
  /** `broker`, `statuses`, `heartbeats` or `kv`. */
  store: string;
  /** It answered without an error. */
  ok: boolean;
  /** How long the probe took, ms. */
  latencyMs: number;
  /** The error message when it failed. */
  error?: string;
}

/** What `stem health` and the HTTP API's health route report. */
export interface HealthReport {
  /** Every probe succeeded. */
  ok: boolean;
  /** One entry per store, in probe order. */
  probes: StoreProbe[];
}

/** How {@link checkHealth} probes. */
export interface HealthCheckOptions {
  /** Queue whose counts probe the broker. @default "default" */
  queue?: string;
  /** Time source for latencies and the per-probe bound. */
  clock: Clock;
  /** Per-probe bound, ms: a store that does not answer in time is reported as failed. */
  timeoutMs?: number;
}

/**
 * Probes each store of a set with a cheap read (queue counts, a status read, the heartbeat list,
 * the kv clock), each bounded by a timeout, so a broken connection shows as a failed probe with
 * its message instead of a hang.
 */
export async function checkHealth(
  stores: Pick<StoreSet, "broker" | "statuses" | "heartbeats" | "kv">,
  options: HealthCheckOptions,
): Promise<HealthReport> {
  const queue = options.queue ?? "default";
  const timeoutMs = options.timeoutMs ?? 5_000;
  const probes: [string, () => Promise<unknown>][] = [
    ["broker", () => stores.broker.counts(queue)],
    ["statuses", () => stores.statuses.get(`stem-health-${crypto.randomUUID()}`)],
    ["heartbeats", () => stores.heartbeats.listWorkerHeartbeats()],
    ["kv", () => stores.kv.now()],
  ];
  const results: StoreProbe[] = [];
  for (const [store, probe] of probes) {
    const started = options.clock.now();
    try {
      await bounded(probe(), timeoutMs, store, options.clock);
      results.push({ store, ok: true, latencyMs: options.clock.now() - started });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      results.push({ store, ok: false, latencyMs: options.clock.now() - started, error: message });
    }
  }
  return { ok: results.every((r) => r.ok), probes: results };
}

function bounded<T>(work: Promise<T>, ms: number, store: string, clock: Clock): Promise<T> {
  let timer: TimerHandle | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(
      () => reject(new Error(`${store} did not answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => {
    if (timer !== undefined) clock.clearTimeout(timer);
  });
}
