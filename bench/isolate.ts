// Isolated tasks: CPU scaling of a ~20 ms hashing task on a pool of 1 and 2 isolates (target
// >= 1.8x with 2 on 2 cores), and the per-task cost of a no-op isolated task against inline.
// Prints one JSON object. Run: `deno task bench:isolate` (both runtimes, alternating rounds, medians).
import process from "node:process";
import { StemApp } from "../mod.ts";
import { hashRounds, tasks } from "./isolate_tasks.ts";

const TASKS = new URL("./isolate_tasks.ts", import.meta.url);
const HASH_TASKS = Number(process.env.BENCH_HASH_TASKS ?? 20);
const NOOP_TASKS = Number(process.env.BENCH_NOOP_TASKS ?? 200);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 9);
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
  const ids = await app.stem.enqueueMany(Array.from({ length: count }, () => ({ name, args })));
  const t0 = performance.now();
  for (const id of ids) {
    const result = await app.stem.waitForTask(id, { timeout: "120s" });
    if (!result.isSucceeded) throw new Error(`${name} did not succeed: ${result.status?.state}`);
  }
  return performance.now() - t0;
}

async function hashApp(size: number, rounds: number): Promise<StemApp> {
  const app = await StemApp.inMemory({
    tasks,
    concurrency: size * 2,
    isolate: { tasks: TASKS, size },
  });
  await timed(app, "bench.hash", size * 4, { rounds }); // start and warm every isolate
  return app;
}

async function noopApp(isolated: boolean): Promise<StemApp> {
  const app = await StemApp.inMemory({
    tasks,
    concurrency: 1,
    ...(isolated ? { isolate: { tasks: TASKS, size: 1 } } : {}),
  });
  await timed(app, isolated ? "bench.noop" : "bench.noopInline", 50);
  return app;
}

/**
 * The same work on two bare Web Workers, one after the other and side by side: the parallelism
 * the machine offers right now (its other load included), the ceiling for the pool's speedup.
 */
function rawBaseline(): { ratio(rounds: number, tasks: number): Promise<number>; close(): void } {
  const url = new URL("./isolate_raw_worker.ts", import.meta.url).href;
  const workers = [0, 1].map(() => new Worker(url, { type: "module" }));
  const hashOn = (i: number, rounds: number) =>
    new Promise<void>((resolve) => {
      workers[i].onmessage = () => resolve();
      workers[i].postMessage(rounds);
    });
  const serial = async (i: number, rounds: number, n: number) => {
    for (let k = 0; k < n; k++) await hashOn(i, rounds);
  };
  return {
    async ratio(rounds, tasks) {
      let t0 = performance.now();
      await serial(0, rounds, tasks);
      const one = performance.now() - t0;
      t0 = performance.now();
      await Promise.all([serial(0, rounds, tasks / 2), serial(1, rounds, tasks / 2)]);
      return one / (performance.now() - t0);
    },
    close: () => workers.forEach((w) => w.terminate()),
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rounds = calibrate(20);
const t = performance.now();
hashRounds(rounds);
const taskMs = performance.now() - t;
// The pools stay up; short runs on 1 and 2 isolates (and inline and isolated) alternate, in
// swapped order each pair, and each pair gives one ratio: the shared machine's load drifts more
// between pairs than within one.
const pool1 = await hashApp(1, rounds);
const pool2 = await hashApp(2, rounds);
const inlineApp = await noopApp(false);
const isolatedApp = await noopApp(true);
const raw = rawBaseline();
await raw.ratio(rounds, 4);
const raws: number[] = [];
const hash = (app: StemApp) => timed(app, "bench.hash", HASH_TASKS, { rounds });
const noop = async (app: StemApp, name: string) =>
  (await timed(app, name, NOOP_TASKS)) / NOOP_TASKS;
const ones: number[] = [], twos: number[] = [], speedups: number[] = [];
const inlines: number[] = [], isolateds: number[] = [], overheads: number[] = [];
for (let pair = 0; pair < PAIRS; pair++) {
  const swap = pair % 2 === 1;
  const [one, two] = swap
    ? [await hash(pool2), await hash(pool1)].reverse()
    : [await hash(pool1), await hash(pool2)];
  ones.push(one), twos.push(two), speedups.push(one / two);
  raws.push(await raw.ratio(rounds, HASH_TASKS));
  const [inline, isolated] = swap
    ? [await noop(isolatedApp, "bench.noop"), await noop(inlineApp, "bench.noopInline")].reverse()
    : [await noop(inlineApp, "bench.noopInline"), await noop(isolatedApp, "bench.noop")];
  inlines.push(inline), isolateds.push(isolated), overheads.push(isolated - inline);
}
for (const app of [pool1, pool2, inlineApp, isolatedApp]) await app.close();
raw.close();
const sorted = [...speedups].sort((a, b) => a - b);
console.log(JSON.stringify({
  runtime,
  hashTaskMs: Number(taskMs.toFixed(1)),
  hashTasks: HASH_TASKS,
  pairs: PAIRS,
  oneIsolateMs: Math.round(median(ones)),
  twoIsolatesMs: Math.round(median(twos)),
  speedup: Number(median(speedups).toFixed(2)),
  speedupLowestPair: Number(sorted[0].toFixed(2)),
  speedupHighestPair: Number(sorted[sorted.length - 1].toFixed(2)),
  rawWebWorkerSpeedup: Number(median(raws).toFixed(2)),
  noopInlineMsPerTask: Number(median(inlines).toFixed(3)),
  noopIsolatedMsPerTask: Number(median(isolateds).toFixed(3)),
  isolationOverheadMsPerTask: Number(median(overheads).toFixed(3)),
}));
