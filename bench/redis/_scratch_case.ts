// One Stem benchmark case against a Redis server; prints one JSON line. Runs on Deno and Bun.
// Env: BENCH_REDIS_URL, BENCH_CASE (enqueue | bulk | process | latency), BENCH_TASKS,
// BENCH_RATE (latency case, tasks/s), BENCH_LATENCY_TASKS, BENCH_SKIP_FILL=1 (process case: keep
// the database and use tasks enqueued by an earlier run, e.g. to profile processing alone),
// BENCH_PREFETCH (process case, default 200).
import process from "node:process";
import { connectRedis } from "../../adapters/redis/mod.ts";
import { FunctionTaskHandler } from "../../src/core/task_handler.ts";
import { SimpleTaskRegistry } from "../../src/core/task_registry.ts";
import { Stem } from "../../src/producer/stem.ts";
import { createSignals } from "../../src/signals/stem_signals.ts";
import { Worker } from "../../src/worker/worker.ts";
import { commandCalls, rawClient, serverCpuMicros, serverMicros } from "./commandstats.ts";

const url = process.env.BENCH_REDIS_URL!;
const kase = process.env.BENCH_CASE ?? "process";
const TOTAL = Number(process.env.BENCH_TASKS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const LATENCY_TASKS = Number(process.env.BENCH_LATENCY_TASKS ?? 5_000);
const PREFETCH = Number(process.env.BENCH_PREFETCH ?? 200);
const runtime = (globalThis as { Bun?: unknown }).Bun ? "bun" : "deno";

const raw = await rawClient(url);
if (!process.env.BENCH_SKIP_FILL) await raw.command(["FLUSHALL"]);
// One connection for the broker and the backend, as `StemApp.fromUrl` opens it.
const stores = await connectRedis(url, { namespace: "bench" });
const broker = stores.broker;
const backend = stores.statuses;
const samples: number[] = [];
const registry = new SimpleTaskRegistry([
  new FunctionTaskHandler({ name: "noop", entrypoint: () => null }),
  new FunctionTaskHandler({
    name: "probe",
    entrypoint: (_ctx, args: { t: number }) => {
      samples.push(performance.now() - args.t);
      return null;
    },
  }),
]);
const stem = new Stem({ broker, backend: process.env.NOBACK ? undefined : backend, registry });

async function enqueueOneByOne(): Promise<Record<string, number>> {
  let next = 0;
  const before = await commandCalls(raw);
  const redisCpu = await serverCpuMicros(raw);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 100 }, async () => {
    while (next < TOTAL) await stem.enqueue("noop", { args: { i: next++ } });
  }));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return {
    jobsPerSec: TOTAL / seconds,
    commandsPerJob: ((await commandCalls(raw)) - before) / TOTAL,
    redisCpuUsPerJob: ((await serverCpuMicros(raw)) - redisCpu) / TOTAL,
    clientUsPerJob: (cpu.user + cpu.system) / TOTAL,
  };
}

async function enqueueBulk(): Promise<Record<string, number>> {
  const requests = Array.from({ length: TOTAL }, (_, i) => ({ name: "noop", args: { i } }));
  const before = await commandCalls(raw);
  const t0 = performance.now();
  await stem.enqueueMany(requests);
  const seconds = (performance.now() - t0) / 1000;
  return {
    jobsPerSec: TOTAL / seconds,
    commandsPerJob: ((await commandCalls(raw)) - before) / TOTAL,
  };
}

async function processing(): Promise<Record<string, number>> {
  for (let i = 0; i < TOTAL && !process.env.BENCH_SKIP_FILL; i += 5_000) {
    await stem.enqueueMany(
      Array.from(
        { length: Math.min(5_000, TOTAL - i) },
        (_, j) => ({ name: "noop", args: { i: i + j } }),
      ),
    );
  }
  const signals = createSignals();
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  signals.taskSucceeded.connect(() => ++done === TOTAL && finish());
  // Prefetch 4 × concurrency (Celery's default multiplier; Stem's is 2): with no-op tasks it
  // keeps a claim and a settle in flight while the worker runs a batch (bench/README.md).
  const worker = new Worker({
    broker,
    backend,
    registry,
    concurrency: 50,
    signals,
    prefetch: PREFETCH,
  });
  const before = await commandCalls(raw);
  const micros = await serverMicros(raw);
  const redisCpu = await serverCpuMicros(raw);
  if (process.env.BENCH_RESETSTAT) await raw.command(["CONFIG", "RESETSTAT"]);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await worker.start();
  await all;
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const commands = (await commandCalls(raw)) - before;
  const redisCpuUsPerJob = ((await serverCpuMicros(raw)) - redisCpu) / TOTAL;
  const serverUsPerJob = ((await serverMicros(raw)) - micros) / TOTAL;
  const clientUsPerJob = (cpu.user + cpu.system) / TOTAL;
  await worker.shutdown({ timeout: 5_000 });
  const stored = Number(await raw.command(["ZCARD", "bench:{results}:index"]));
  return {
    jobsPerSec: TOTAL / seconds,
    commandsPerJob: commands / TOTAL,
    resultsStored: stored,
    serverUsPerJob,
    redisCpuUsPerJob,
    clientUsPerJob,
  };
}

async function latency(): Promise<Record<string, number>> {
  const worker = new Worker({ broker, backend, registry, concurrency: 50 });
  await worker.start();
  const interval = 1000 / RATE;
  const t0 = performance.now();
  for (let i = 0; i < LATENCY_TASKS; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    stem.enqueue("probe", { args: { t: performance.now() } });
  }
  while (samples.length < LATENCY_TASKS) await new Promise((r) => setTimeout(r, 20));
  await worker.shutdown({ timeout: 5_000 });
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

const cases: Record<string, () => Promise<Record<string, number>>> = {
  enqueue: enqueueOneByOne,
  bulk: enqueueBulk,
  process: processing,
  latency,
};
const result = await cases[kase]();
await Promise.all([stores.close(), raw.close()]);
console.log(JSON.stringify({ system: `stem-${runtime}`, case: kase, ...result }));
process.exit(0);
