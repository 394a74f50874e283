// Rate-limited processing on the memory adapter: a backlog of no-op tasks under `rateLimit`
// ("200/s" by default), concurrency 50. Reports the achieved rate against the limit, the gaps
// between run starts (p50/p95/p99 against the 5 ms spacing) and the deferrals per task. Prints
// one JSON object. Run: `node tools/bench.mjs rate_limited`.
import process from "node:process";
import { FunctionTaskHandler, StemApp } from "../mod.ts";

const RATE = process.env.BENCH_RATE ?? "200/s";
const TASKS = Number(process.env.BENCH_TASKS ?? 1_000);
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";

const starts: number[] = [];
let deferrals = 0;
const app = await StemApp.inMemory({
  autoStart: false,
  concurrency: 50,
  middleware: [{
    onOutcome: async (outcome, next) => {
      if (outcome.kind === "retried") deferrals++;
      await next();
    },
  }],
  tasks: [
    new FunctionTaskHandler({
      name: "noop",
      options: { rateLimit: RATE },
      entrypoint: () => void starts.push(performance.now()),
    }),
  ],
});
await app.stem.enqueueMany(Array.from({ length: TASKS }, () => ({ name: "noop" })));
const t0 = performance.now();
await app.start();
while (starts.length < TASKS) await new Promise((r) => setTimeout(r, 20));
const seconds = (performance.now() - t0) / 1000;
await app.close();

const gaps = starts.slice(1).map((t, i) => t - starts[i]).sort((a, b) => a - b);
const pct = (p: number) => Number(gaps[Math.floor((gaps.length - 1) * p)].toFixed(2));
const [count, unit] = RATE.split("/");
const limitPerSecond = Number(count) / ({ s: 1, m: 60, h: 3600 }[unit] ?? 1);
console.log(JSON.stringify({
  runtime,
  rate: RATE,
  tasks: TASKS,
  achievedPerSecond: Number(((TASKS - 1) / ((starts[TASKS - 1] - starts[0]) / 1000)).toFixed(1)),
  limitPerSecond,
  totalSeconds: Number(seconds.toFixed(2)),
  gapMs: { p50: pct(0.5), p95: pct(0.95), p99: pct(0.99) },
  deferralsPerTask: Number((deferrals / TASKS).toFixed(2)),
}));
