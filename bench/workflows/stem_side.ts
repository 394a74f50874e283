// Stem side of `bench/workflows.ts`, a subprocess like the DBOS side:
// `deno run -A bench/workflows/stem_side.ts <store-url> <cases-json>`; prints one JSON line.
// A 5-step no-op Flow and a script waiting on an event, on one StemWorkflowApp (worker and
// starter in one process, as DBOS runs them).
import process from "node:process";
import { Flow, StemWorkflowApp, WorkflowScript } from "../../mod.ts";

const [url, casesJson] = process.argv.slice(2);
const cases = JSON.parse(casesJson);
const concurrency = Number(process.env.STEM_BENCH_CONCURRENCY ?? 100);

const noop = (v: number) => Promise.resolve(v + 1);
const five = new Flow<Record<string, never>, number>({
  name: "bench.five",
  build: (flow) => {
    for (let i = 0; i < 5; i++) {
      flow.step(`s${i}`, (step) => noop((step.previousResult as number | undefined) ?? 0));
    }
  },
});
const waiter = new WorkflowScript<{ topic: string }, number>({
  name: "bench.event",
  run: async (script) => {
    const first = await script.step("before", () => noop(0));
    const payload = await script.step(
      "wait",
      (step) => step.awaitEvent<{ n: number }>(step.params.topic),
    );
    return first + (payload?.n ?? -1000);
  },
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
let peakRss = process.memoryUsage().rss;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

const app = await StemWorkflowApp.fromUrl(url, {
  flows: [five],
  scripts: [waiter],
  concurrency,
  pollInterval: "1s",
});
await app.start();
const out: Record<string, unknown> = {};
try {
  if (cases.throughput) {
    const n = cases.throughput as number;
    const t0 = performance.now();
    const ids = await Promise.all(Array.from({ length: n }, () => app.startWorkflow(five, {})));
    const done = await Promise.all(ids.map((id) => app.waitForCompletion(five, id)));
    const ms = performance.now() - t0;
    if (done.some((d) => d.value !== 5)) throw new Error("a Stem run returned a wrong value");
    out.throughput = { runs: n, ms: Math.round(ms), perSec: Math.round((n / ms) * 1000) };
  }
  if (cases.latency) {
    const { rate, count } = cases.latency as { rate: number; count: number };
    const lat: number[] = [];
    const pending: Promise<void>[] = [];
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push((async () => {
        const s = performance.now();
        const id = await app.startWorkflow(five, {});
        await app.waitForCompletion(five, id);
        lat.push(performance.now() - s);
      })());
    }
    await Promise.all(pending);
    lat.sort((a, b) => a - b);
    out.latency = { rate, count, p50: +pct(lat, 0.5).toFixed(1), p99: +pct(lat, 0.99).toFixed(1) };
  }
  if (cases.event) {
    const n = cases.event as number;
    const topic = (i: number) => `bench.go.${i}`;
    const ids = await Promise.all(
      Array.from({ length: n }, (_, i) => app.startWorkflow(waiter, { topic: topic(i) })),
    );
    while ((await app.listWatchers(undefined, n + 1)).length < n) await sleep(50);
    const t0 = performance.now();
    await Promise.all(ids.map((_, i) => app.emit(topic(i), { n: i })));
    const done = await Promise.all(ids.map((id) => app.waitForCompletion(waiter, id)));
    const ms = performance.now() - t0;
    if (done.some((d, i) => d.value !== i + 1)) {
      throw new Error("a Stem event run got a wrong payload");
    }
    out.event = { runs: n, ms: Math.round(ms), perSec: Math.round((n / ms) * 1000) };
  }
} finally {
  clearInterval(rssTimer);
  out.peakRssMb = Math.round(peakRss / 1048576);
  await app.shutdown({ timeout: "5s" });
}
console.log(JSON.stringify(out));
process.exit(0);
