// Dashboard benchmark: how long the server takes to render each page (and the live stream's
// fingerprint) over SQLite and Redis holding BENCH_TASKS statuses, some failed and dead-lettered.
// Prints one JSON object of medians and p95s in ms. Run: `deno task bench:dashboard` (or with bun).
import process from "node:process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { stemDashboard } from "../src/dashboard/mod.ts";
import { stateDigest } from "../src/dashboard/live_events.ts";
import { hasRedisServer, startRedisServer } from "../tests/helpers/redis_server.ts";

const TASKS = Number(process.env.BENCH_TASKS ?? 2_000);
const FAILED = Math.max(1, Math.floor(TASKS / 20));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const PAGES = ["/", "/tasks", "/tasks?state=failed", "/dead-letters?queue=default", "/workers"];

function stats(samples: number[]): { p50: number; p95: number } {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { p50: Number(at(0.5).toFixed(2)), p95: Number(at(0.95).toFixed(2)) };
}

async function measure(url: string, options: Record<string, unknown>) {
  const app = await StemApp.fromUrl(url, {
    ...options,
    queues: ["default"],
    tasks: [
      new FunctionTaskHandler({ name: "bench.ok", entrypoint: () => 1 }),
      new FunctionTaskHandler({
        name: "bench.fail",
        options: { maxRetries: 0 },
        entrypoint: () => {
          throw new Error("bench failure");
        },
      }),
    ],
  });
  try {
    await app.start();
    const ids = await Promise.all([
      ...Array.from({ length: TASKS - FAILED }, () => app.stem.enqueue("bench.ok")),
      ...Array.from({ length: FAILED }, () => app.stem.enqueue("bench.fail")),
    ]);
    await Promise.all(ids.map((id) => app.stem.waitForTask(id, { timeout: "120s" })));
    const dash = stemDashboard(app, { auth: false });
    const out: Record<string, { p50: number; p95: number }> = {};
    for (const path of PAGES) {
      const samples: number[] = [];
      for (let i = 0; i < ROUNDS; i++) {
        const started = performance.now();
        const response = await dash.request(`http://bench${path}`);
        await response.text();
        samples.push(performance.now() - started);
        if (response.status !== 200) throw new Error(`${path}: ${response.status}`);
      }
      out[path] = stats(samples);
    }
    const digests: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const started = performance.now();
      await stateDigest(app, ["default"]);
      digests.push(performance.now() - started);
    }
    out["live fingerprint"] = stats(digests);
    return out;
  } finally {
    await app.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), "stem-bench-dash-"));
const result: Record<string, unknown> = {
  runtime: "Bun" in globalThis ? "bun" : "deno",
  tasks: TASKS,
  failed: FAILED,
  rounds: ROUNDS,
  unit: "ms per request (server side, in-process app.request)",
};
try {
  result.sqlite = await measure(`sqlite:${join(dir, "bench.db")}`, {});
  if (hasRedisServer()) {
    const redis = await startRedisServer();
    try {
      result.redis = await measure(redis.url, { connect: { namespace: "benchdash" } });
    } finally {
      await redis.stop();
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(result));
