// DBOS side of `bench/workflows.ts`, run under Node (DBOS's home runtime) as a subprocess:
// `node bench/workflows/dbos_side.mjs <postgres-url> <cases-json>`; prints one JSON line.
// The same cases as stem_side.ts: a 5-step no-op workflow and a workflow waiting on a message.
import process from "node:process";
import { DBOS } from "@dbos-inc/dbos-sdk";

const [url, casesJson] = process.argv.slice(2);
const cases = JSON.parse(casesJson);

DBOS.setConfig({ name: "wfbench", systemDatabaseUrl: url, logLevel: "error" });

const noop = (v) => Promise.resolve(v + 1);
const five = DBOS.registerWorkflow(async () => {
  let v = 0;
  for (let i = 0; i < 5; i++) v = await DBOS.runStep(() => noop(v), { name: `s${i}` });
  return v;
}, { name: "bench.five" });
const waiter = DBOS.registerWorkflow(async () => {
  const first = await DBOS.runStep(() => noop(0), { name: "before" });
  const payload = await DBOS.recv("go", { timeoutSeconds: 120 });
  return first + (payload?.n ?? -1000);
}, { name: "bench.event" });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
let peakRss = process.memoryUsage().rss;
const rssTimer = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
}, 100);

await DBOS.launch();
const out = {};
try {
  if (cases.throughput) {
    const n = cases.throughput;
    const t0 = performance.now();
    const handles = await Promise.all(
      Array.from({ length: n }, () => DBOS.startWorkflow(five)()),
    );
    const values = await Promise.all(handles.map((h) => h.getResult()));
    const ms = performance.now() - t0;
    if (values.some((v) => v !== 5)) throw new Error("a DBOS run returned a wrong value");
    out.throughput = { runs: n, ms: Math.round(ms), perSec: Math.round((n / ms) * 1000) };
  }
  if (cases.latency) {
    const { rate, count } = cases.latency;
    const lat = [];
    const pending = [];
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const due = t0 + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      pending.push((async () => {
        const s = performance.now();
        const h = await DBOS.startWorkflow(five)();
        await h.getResult();
        lat.push(performance.now() - s);
      })());
    }
    await Promise.all(pending);
    lat.sort((a, b) => a - b);
    out.latency = { rate, count, p50: +pct(lat, 0.5).toFixed(1), p99: +pct(lat, 0.99).toFixed(1) };
  }
  if (cases.event) {
    const n = cases.event;
    const handles = await Promise.all(
      Array.from({ length: n }, () => DBOS.startWorkflow(waiter)()),
    );
    // Every run has reached recv (its first step is stored and it is waiting).
    await sleep(1_500);
    const t0 = performance.now();
    await Promise.all(handles.map((h, i) => DBOS.send(h.workflowID, { n: i }, "go")));
    const values = await Promise.all(handles.map((h) => h.getResult()));
    const ms = performance.now() - t0;
    if (values.some((v, i) => v !== i + 1)) throw new Error("a DBOS event run got a wrong payload");
    out.event = { runs: n, ms: Math.round(ms), perSec: Math.round((n / ms) * 1000) };
  }
} finally {
  clearInterval(rssTimer);
  out.peakRssMb = Math.round(peakRss / 1048576);
  await DBOS.shutdown();
}
console.log(JSON.stringify(out));
process.exit(0);
