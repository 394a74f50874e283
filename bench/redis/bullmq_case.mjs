// One BullMQ benchmark case (the peer), run on Node, against the same Redis; prints one JSON line.
// Env: BENCH_REDIS_URL, BENCH_CASE (enqueue | bulk | process | latency), BENCH_TASKS, BENCH_RATE,
// BENCH_LATENCY_TASKS.
import { Queue, Worker } from "bullmq";
import { createClient } from "redis";

const url = new URL(process.env.BENCH_REDIS_URL);
const connection = { host: url.hostname, port: Number(url.port) };
const kase = process.env.BENCH_CASE ?? "process";
const TOTAL = Number(process.env.BENCH_TASKS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const LATENCY_TASKS = Number(process.env.BENCH_LATENCY_TASKS ?? 5_000);

const raw = createClient({ url: process.env.BENCH_REDIS_URL });
await raw.connect();
await raw.sendCommand(["FLUSHALL"]);
const commandCalls = async () => {
  const info = String(await raw.sendCommand(["INFO", "commandstats"]));
  let total = 0;
  for (const m of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (m[1] !== "info") total += Number(m[2]);
  }
  return total;
};
// Redis process CPU (INFO cpu), microseconds.
const cpuMicros = async () => {
  const info = String(await raw.sendCommand(["INFO", "cpu"]));
  const user = Number(/^used_cpu_user:([\d.]+)/m.exec(info)?.[1] ?? 0);
  const sys = Number(/^used_cpu_sys:([\d.]+)/m.exec(info)?.[1] ?? 0);
  return (user + sys) * 1e6;
};
const queue = new Queue("bench", { connection });
await queue.waitUntilReady();

async function enqueue() {
  let next = 0;
  const before = await commandCalls();
  const cpu0 = await cpuMicros();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  await Promise.all(Array.from({ length: 100 }, async () => {
    while (next < TOTAL) await queue.add("noop", { i: next++ });
  }));
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  return {
    jobsPerSec: TOTAL / seconds,
    commandsPerJob: ((await commandCalls()) - before) / TOTAL,
    redisCpuUsPerJob: ((await cpuMicros()) - cpu0) / TOTAL,
    clientUsPerJob: (client.user + client.system) / TOTAL,
  };
}

async function bulk() {
  const jobs = Array.from({ length: TOTAL }, (_, i) => ({ name: "noop", data: { i } }));
  const before = await commandCalls();
  const t0 = performance.now();
  await queue.addBulk(jobs);
  const seconds = (performance.now() - t0) / 1000;
  return { jobsPerSec: TOTAL / seconds, commandsPerJob: ((await commandCalls()) - before) / TOTAL };
}

async function processing() {
  for (let i = 0; i < TOTAL; i += 5_000) {
    await queue.addBulk(
      Array.from(
        { length: Math.min(5_000, TOTAL - i) },
        (_, j) => ({ name: "noop", data: { i: i + j } }),
      ),
    );
  }
  let done = 0;
  let finish;
  const all = new Promise((r) => (finish = r));
  const before = await commandCalls();
  const cpu0 = await cpuMicros();
  const client0 = process.cpuUsage();
  const t0 = performance.now();
  const worker = new Worker("bench", () => Promise.resolve(null), { connection, concurrency: 50 });
  worker.on("completed", () => ++done === TOTAL && finish());
  await all;
  const seconds = (performance.now() - t0) / 1000;
  const client = process.cpuUsage(client0);
  const commands = (await commandCalls()) - before;
  const redisCpuUsPerJob = ((await cpuMicros()) - cpu0) / TOTAL;
  await worker.close();
  const stored = await queue.getJobCountByTypes("completed");
  return {
    jobsPerSec: TOTAL / seconds,
    commandsPerJob: commands / TOTAL,
    resultsStored: stored,
    redisCpuUsPerJob,
    clientUsPerJob: (client.user + client.system) / TOTAL,
  };
}

async function latency() {
  const samples = [];
  const worker = new Worker("bench", (job) => {
    samples.push(performance.now() - job.data.t);
    return Promise.resolve(null);
  }, { connection, concurrency: 50 });
  await worker.waitUntilReady();
  const interval = 1000 / RATE;
  const t0 = performance.now();
  for (let i = 0; i < LATENCY_TASKS; i++) {
    const wait = t0 + i * interval - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    queue.add("probe", { t: performance.now() });
  }
  while (samples.length < LATENCY_TASKS) await new Promise((r) => setTimeout(r, 20));
  await worker.close();
  const sorted = [...samples].sort((a, b) => a - b);
  const q = (p) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
  return { p50: q(0.5), p95: q(0.95), p99: q(0.99) };
}

const cases = { enqueue, bulk, process: processing, latency };
const result = await cases[kase]();
await queue.close();
await raw.close();
console.log(JSON.stringify({ system: "bullmq-node", case: kase, ...result }));
process.exit(0);
