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

const rounds = calibrate(20);
const t = performance.now();
hashRounds(rounds);
const taskMs = performance.now() - t;
// Alternate the order inside a run too: the shared machine's load drifts.
const two1 = await poolRun(2, rounds);
const one = await poolRun(1, rounds);
const two2 = await poolRun(2, rounds);
const two = Math.min(two1, two2);
const inline = await perTask("bench.noopInline", false);
const isolated = await perTask("bench.noop", true);
console.log(JSON.stringify({
  runtime,
  hashTaskMs: Number(taskMs.toFixed(1)),
  hashTasks: HASH_TASKS,
  oneIsolateMs: Math.round(one),
  twoIsolatesMs: Math.round(two),
  speedup: Number((one / two).toFixed(2)),
  noopInlineMsPerTask: Number(inline.toFixed(3)),
  noopIsolatedMsPerTask: Number(isolated.toFixed(3)),
  isolationOverheadMsPerTask: Number((isolated - inline).toFixed(3)),
}));
