// Isolated tasks: CPU scaling of a ~20 ms hashing task on a pool of 1 and 2 isolates (target
// >= 1.8x with 2 on 2 cores), and the per-task cost of a no-op isolated task against inline.
// Prints one JSON object. Run: `deno task bench:isolate` (both runtimes, alternating rounds, medians).
import process from "node:process";
import { StemApp } from "../mod.ts";
import { hashRounds, tasks } from "./isolate_tasks.ts";

const TASKS = new URL("./isolate_tasks.ts", import.meta.url);
const HASH_TASKS = Number(process.env.BENCH_HASH_TASKS ?? 40);
const NOOP_TASKS = Number(process.env.BENCH_NOOP_TASKS ?? 300);
const runtime = "Bun" in globalThis ? "bun" : "deno";

/** Hash rounds that take about `ms` on this thread, once the JIT has warmed the loop. */
function calibrate(ms: number): number {
  let rounds = 100_000;
  for (let pass = 0; pass < 6; pass++) {
    const t0 = performance.now();
    hashRounds(rounds);
    const took = Math.max(performance.now() - t0, 0.01);
    rounds = Math.round(rounds * (ms / took));
  }
  return rounds;
}

async function timed(
  app: StemApp,
  name: string,
  count: number,
  args: Record<string, number> = {},
): Promise<number> {
  const ids = (await app.stem.enqueueMany(
    Array.from({ length: count }, () => ({ name, args })),
  )) as string[];
  const t0 = performance.now();
  for (const id of ids) {
    const result = await app.stem.waitForTask(id, { timeout: "120s" });
    if (!result.isSucceeded) throw new Error(`${name} did not succeed: ${result.status?.state}`);
  }
  return performance.now() - t0;
}

async function poolRun(size: number, rounds: number): Promise<number> {
  const app = await StemApp.inMemory({
    tasks,
    concurrency: size * 2,
    isolate: { tasks: TASKS, size },
  });
  await timed(app, "bench.hash", size * 2, { rounds }); // start and warm every isolate
  const ms = await timed(app, "bench.hash", HASH_TASKS, { rounds });
  await app.close();
  return ms;
}

async function perTask(name: string, isolated: boolean): Promise<number> {
  const app = await StemApp.inMemory({
    tasks,
    concurrency: 1,
    ...(isolated ? { isolate: { tasks: TASKS, size: 1 } } : {}),
  });
  await timed(app, name, 20);
  const ms = await timed(app, name, NOOP_TASKS);
  await app.close();
  return ms / NOOP_TASKS;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const PAIRS = Number(process.env.BENCH_PAIRS ?? 3);
const rounds = calibrate(20);
const t = performance.now();
hashRounds(rounds);
const taskMs = performance.now() - t;
// 1 and 2 isolates (and inline and isolated) alternate, in swapped order each pair, and each
// pair gives one ratio: the shared machine's load drifts more between pairs than within one.
const ones: number[] = [], twos: number[] = [], speedups: number[] = [];
const inlines: number[] = [], isolateds: number[] = [], overheads: number[] = [];
for (let pair = 0; pair < PAIRS; pair++) {
  const swap = pair % 2 === 1;
  const [one, two] = swap
    ? [await poolRun(2, rounds), await poolRun(1, rounds)].reverse()
    : [await poolRun(1, rounds), await poolRun(2, rounds)];
  ones.push(one), twos.push(two), speedups.push(one / two);
  const [inline, isolated] = swap
    ? [await perTask("bench.noop", true), await perTask("bench.noopInline", false)].reverse()
    : [await perTask("bench.noopInline", false), await perTask("bench.noop", true)];
  inlines.push(inline), isolateds.push(isolated), overheads.push(isolated - inline);
}
console.log(JSON.stringify({
  runtime,
  hashTaskMs: Number(taskMs.toFixed(1)),
  hashTasks: HASH_TASKS,
  oneIsolateMs: Math.round(median(ones)),
  twoIsolatesMs: Math.round(median(twos)),
  speedup: Number(median(speedups).toFixed(2)),
  noopInlineMsPerTask: Number(median(inlines).toFixed(3)),
  noopIsolatedMsPerTask: Number(median(isolateds).toFixed(3)),
  isolationOverheadMsPerTask: Number(median(overheads).toFixed(3)),
}));
