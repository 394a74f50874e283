// The worker's own cost per task, with no adapter under it: a stub broker hands out prebuilt
// deliveries and acks at once, no result backend. What is left is `src/` (consume loop, task run
// stages, outcome, signals). Prints one JSON line. Run: `deno task bench:pipeline`, or
// `bun bench/worker_pipeline.ts` (BENCH_TASKS to change the count).
import process from "node:process";
import type { Broker, Delivery } from "../src/broker/broker.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
import { FunctionTaskHandler } from "../src/core/task_handler.ts";
import { SimpleTaskRegistry } from "../src/core/task_registry.ts";
import { Worker } from "../src/worker/worker.ts";
import { createSignals } from "../src/signals/stem_signals.ts";

const TOTAL = Number(process.env.BENCH_TASKS ?? 200_000);
const runtime = (globalThis as { Bun?: unknown }).Bun ? "bun" : "deno";
const envelopes = Array.from(
  { length: TOTAL },
  (_, i) => testEnvelope({ name: "noop", queue: "q", args: { i } }),
);
let acked = 0;
let finish!: () => void;
const all = new Promise<void>((resolve) => (finish = resolve));
const never = new Promise<never>(() => {});
const broker = {
  capabilities: { priority: false, delay: false, broadcast: false, blocking: true },
  publish: () => Promise.resolve(),
  publishMany: () => Promise.resolve(),
  async *consume(): AsyncGenerator<Delivery> {
    for (let i = 0; i < TOTAL; i++) {
      yield {
        envelope: envelopes[i],
        receipt: String(i),
        queue: "q",
        leaseExpiresAt: null,
        deliveryCount: 1,
      };
    }
    await never;
  },
  ack: () => {
    if (++acked === TOTAL) finish();
    return Promise.resolve();
  },
  nack: () => Promise.resolve(),
  extendLease: () => Promise.resolve(),
  deadLetter: () => Promise.resolve(),
  purge: () => Promise.resolve(0),
  counts: () => Promise.resolve({ pending: 0, inflight: 0, delayed: 0, dead: 0 }),
  close: () => Promise.resolve(),
} as unknown as Broker;
const registry = new SimpleTaskRegistry([
  new FunctionTaskHandler({ name: "noop", entrypoint: () => null }),
]);
const worker = new Worker({
  broker,
  registry,
  concurrency: 50,
  queues: ["q"],
  signals: createSignals(),
});
const cpu0 = process.cpuUsage();
const t0 = performance.now();
void worker.start();
await all;
const seconds = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
console.log(JSON.stringify({
  bench: "worker_pipeline",
  runtime,
  tasks: TOTAL,
  tasksPerSec: Math.round(TOTAL / seconds),
  cpuUsPerTask: Number(((cpu.user + cpu.system) / TOTAL).toFixed(2)),
}));
process.exit(0);
