// The measurements shared by every system in bench/postgres.ts.
import type { BenchSystem } from "./system.ts";

/** Jobs per second. */
function rate(count: number, ms: number): number {
  return Math.round((count / ms) * 1000);
}

/** Single enqueue with `inFlight` calls outstanding at once; jobs/s. */
export async function singleEnqueue(
  s: BenchSystem,
  total: number,
  inFlight = 100,
): Promise<number> {
  await s.reset();
  let next = 0;
  const start = performance.now();
  const lane = async () => {
    while (next < total) {
      next++;
      await s.enqueueOne(Date.now());
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const ms = performance.now() - start;
  await s.reset();
  return rate(total, ms);
}

/** Bulk enqueue in batches of `batch`; jobs/s. */
export async function bulkEnqueue(s: BenchSystem, total: number, batch = 1_000): Promise<number> {
  await s.reset();
  const start = performance.now();
  for (let done = 0; done < total; done += batch) {
    await s.enqueueBatch(Math.min(batch, total - done));
  }
  const ms = performance.now() - start;
  await s.reset();
  return rate(total, ms);
}

/** Statement counts by query text (e.g. from pg_stat_statements). */
export type StatementCounts = () => Promise<Map<string, number>>;

/** CPU time so far (ms): this process and the database server's processes. */
export type CpuProbe = () => { clientMs: number; serverMs: number };

/** What {@link processing} measured. */
export interface ProcessingRun {
  /** Jobs/s. */
  perSec: number;
  /** Statements the worker sent per processed job (with a `count` probe). */
  statementsPerJob?: number;
  /** The same by query text, most frequent first. */
  byQuery?: { query: string; perJob: number }[];
  /** CPU µs per processed job in this process and in the server (with a `cpu` probe). */
  cpuUsPerJob?: { client: number; server: number };
}

/**
 * Pre-fills `total` no-op jobs, then times a worker at `concurrency` draining them; jobs/s.
 * A system slower than `maxMs` is measured on what it finished by then. With `count`, the
 * statements between the worker's start and its stop are counted too.
 */
export async function processing(
  s: BenchSystem,
  total: number,
  concurrency = 50,
  maxMs = 60_000,
  count?: StatementCounts,
  cpu?: CpuProbe,
): Promise<ProcessingRun> {
  await s.reset();
  for (let done = 0; done < total; done += 1_000) {
    await s.enqueueBatch(Math.min(1_000, total - done));
  }
  let seen = 0;
  let finish: () => void = () => {};
  const all = new Promise<void>((resolve) => (finish = resolve));
  const before = await count?.();
  const cpuBefore = cpu?.();
  const start = performance.now();
  const stop = await s.startWorker(concurrency, () => {
    if (++seen === total) finish();
  });
  const limit = new Promise<void>((resolve) => setTimeout(resolve, maxMs));
  await Promise.race([all, limit]);
  const ms = performance.now() - start;
  const done = seen;
  await stop();
  const cpuAfter = cpu?.();
  const after = await count?.();
  await s.reset();
  const cpuUsPerJob = cpuBefore && cpuAfter
    ? {
      client: Math.round((cpuAfter.clientMs - cpuBefore.clientMs) * 1000 / done),
      server: Math.round((cpuAfter.serverMs - cpuBefore.serverMs) * 1000 / done),
    }
    : undefined;
  if (!before || !after) return { perSec: rate(done, ms), cpuUsPerJob };
  const round = (n: number) => Math.round(n * 1000) / 1000;
  const byQuery = [...after]
    .map(([query, calls]) => ({ query, perJob: round((calls - (before.get(query) ?? 0)) / done) }))
    .filter((q) => q.perJob > 0)
    .sort((a, b) => b.perJob - a.perJob);
  const statementsPerJob = round(byQuery.reduce((n, q) => n + q.perJob, 0));
  return {
    perSec: rate(done, ms),
    statementsPerJob,
    byQuery: byQuery.slice(0, 8),
    cpuUsPerJob,
  };
}

/** Enqueue-to-start latency while producing `perSecond` jobs/s for `seconds`; ms percentiles. */
export async function latency(
  s: BenchSystem,
  perSecond = 500,
  seconds = 4,
): Promise<{ p50: number; p99: number }> {
  await s.reset();
  const samples: number[] = [];
  const total = perSecond * seconds;
  let finish: () => void = () => {};
  const all = new Promise<void>((resolve) => (finish = resolve));
  const stop = await s.startWorker(50, (enqueuedAt) => {
    samples.push(Date.now() - enqueuedAt);
    if (samples.length === total) finish();
  });
  await new Promise((r) => setTimeout(r, 300));
  const start = performance.now();
  const sends: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    sends.push(s.enqueueOne(Date.now()));
  }
  await Promise.all(sends);
  const timeout = new Promise<void>((r) => setTimeout(r, 30_000));
  await Promise.race([all, timeout]);
  await stop();
  await s.reset();
  samples.sort((a, b) => a - b);
  const pick = (q: number) =>
    samples[Math.min(samples.length - 1, Math.floor(q * samples.length))] ?? -1;
  return { p50: pick(0.5), p99: pick(0.99) };
}

/** Median of numbers. */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : Math.round((sorted[mid - 1] + sorted[mid]) / 2);
}
