// In-memory benchmark: enqueue throughput, processing throughput (no-op tasks, concurrency 50),
// enqueue→start latency, the broker alone (consume + ack), peak RSS. Prints one JSON object.
// Run: `deno task bench`.
import process from "node:process";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { InMemoryBroker } from "../adapters/memory/mod.ts";
import { testEnvelope } from "../src/testing/test_values.ts";

const TOTAL = Number(process.env.BENCH_TASKS ?? 100_000);
const LATENCY_TASKS = 20_000;
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";

let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);

function noopApp(): Promise<StemApp> {
  // No auto-start: enqueue is measured alone, and processing starts once the queue is full.
  return StemApp.inMemory({
    autoStart: false,
    concurrency: 50,
    tasks: [new FunctionTaskHandler({ name: "noop", entrypoint: () => null })],
  });
}

async function enqueueThroughput(): Promise<number> {
  const app = await noopApp();
  const t0 = performance.now();
  for (let i = 0; i < TOTAL; i++) await app.stem.enqueue("noop", { args: { i } });
  const seconds = (performance.now() - t0) / 1000;
  await app.close();
  return TOTAL / seconds;
}

async function processingThroughput(): Promise<number> {
  const app = await noopApp();
  const batch = Array.from({ length: 1_000 }, (_, i) => ({ name: "noop", args: { i } }));
  for (let n = 0; n < TOTAL; n += batch.length) await app.stem.enqueueMany(batch);
  let done = 0;
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  app.signals.taskSucceeded.connect(() => ++done === TOTAL && finish());
  const t0 = performance.now();
  await app.start();
  await all;
  const seconds = (performance.now() - t0) / 1000;
  await app.close();
  return TOTAL / seconds;
}

async function latency(): Promise<{ p50: number; p95: number; p99: number }> {
  const calledAt = new Float64Array(LATENCY_TASKS);
  const samples: number[] = [];
  let finish!: () => void;
  const all = new Promise<void>((r) => (finish = r));
  // The handler stamps its own start: the worker may start a task before enqueue() resolves.
  const app = await StemApp.inMemory({
    concurrency: 50,
    tasks: [
      new FunctionTaskHandler({
        name: "stamp",
        entrypoint: (_ctx, args) => {
          samples.push(performance.now() - calledAt[args.i as number]);
          if (samples.length === LATENCY_TASKS) finish();
        },
      }),
    ],
  });
  await app.start();
  for (let i = 0; i < LATENCY_TASKS; i++) {
    calledAt[i] = performance.now();
    await app.stem.enqueue("stamp", { args: { i } });
    if (i % 100 === 99) await new Promise((r) => setTimeout(r, 0));
  }
  await all;
  await app.close();
  samples.sort((a, b) => a - b);
  const q = (p: number) => Number(samples[Math.floor(p * (samples.length - 1))].toFixed(3));
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

/**
 * The memory broker's consume loop alone: no worker, no statuses; each delivery is acked a
 * microtask later, as a worker settles it. Median of 5 runs (the cost per task is ~2 µs, so one
 * run is short and noisy).
 */
async function brokerConsumeAck(): Promise<number> {
  const rates: number[] = [];
  const batch = Array.from({ length: 1_000 }, (_, i) => testEnvelope({ queue: "q", args: { i } }));
  for (let run = 0; run < 5; run++) {
    const broker = new InMemoryBroker();
    for (let n = 0; n < TOTAL; n += batch.length) await broker.publishMany(batch);
    const t0 = performance.now();
    let n = 0;
    for await (const delivery of broker.consume({ queues: ["q"], prefetch: 100 })) {
      queueMicrotask(() => broker.ack(delivery));
      if (++n === TOTAL) break;
    }
    rates.push(TOTAL / ((performance.now() - t0) / 1000));
    await broker.close();
  }
  return rates.sort((a, b) => a - b)[2];
}

const enqueuePerSec = await enqueueThroughput();
const processedPerSec = await processingThroughput();
const latencyMs = await latency();
const brokerPerSec = await brokerConsumeAck();
clearInterval(sampler);
console.log(JSON.stringify({
  bench: "memory",
  runtime,
  tasks: TOTAL,
  concurrency: 50,
  enqueuePerSec: Math.round(enqueuePerSec),
  processedPerSec: Math.round(processedPerSec),
  enqueueToStartMs: latencyMs,
  brokerConsumeAckPerSec: Math.round(brokerPerSec),
  peakRssMb: Math.round(peakRss / 1024 / 1024),
}));
