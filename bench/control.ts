// Remote-control round trips per store set: a worker app and a control app on one store (two
// apps, as two processes would be), `control.ping` to the worker 200 times one after another,
// and a broadcast ping to 4 workers. Prints one JSON object: p50/p99 round trip in ms per
// adapter. Run: `deno run -A bench/control.ts` or `bun bench/control.ts` (BENCH_PINGS to change).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { stemAdapter as memoryAdapter } from "../adapters/memory/mod.ts";
import { StemApp } from "../mod.ts";
import { startPostgres } from "../tests/helpers/postgres_server.ts";
import { startRedisServer } from "../tests/helpers/redis_server.ts";

const PINGS = Number(process.env.BENCH_PINGS ?? 200);
const dir = mkdtempSync(join(tmpdir(), "stem-bench-control-"));
const redis = await startRedisServer();
const pg = await startPostgres();

function quantile(sorted: number[], q: number): number {
  return Number(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(2));
}

async function measure(open: (id: string) => Promise<StemApp>) {
  const workers = await Promise.all([0, 1, 2, 3].map((i) => open(`bench-w${i}`)));
  for (const w of workers) await w.start();
  const client = await open("bench-client");
  const one: number[] = [];
  for (let i = 0; i < PINGS; i++) {
    const t = performance.now();
    const r = await client.control.ping({ targets: ["bench-w0"], timeout: "5s" });
    if (r.replies.length !== 1) throw new Error("a ping went unanswered");
    one.push(performance.now() - t);
  }
  const all: number[] = [];
  for (let i = 0; i < PINGS / 4; i++) {
    const t = performance.now();
    const r = await client.control.ping({
      targets: workers.map((w) => w.worker.id),
      timeout: "5s",
    });
    if (r.missing.length !== 0) throw new Error("a broadcast ping went unanswered");
    all.push(performance.now() - t);
  }
  for (const app of [...workers, client]) await app.close({ timeout: 0 });
  one.sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  return {
    pingOneP50Ms: quantile(one, 0.5),
    pingOneP99Ms: quantile(one, 0.99),
    pingFourP50Ms: quantile(all, 0.5),
    pingFourP99Ms: quantile(all, 0.99),
  };
}

const results: Record<string, unknown> = {
  runtime: "Bun" in globalThis ? "bun" : "deno",
  pings: PINGS,
};
try {
  const memory = await memoryAdapter.connect!("memory://");
  results.memory = await measure((workerId) =>
    Promise.resolve(new StemApp(memory, { workerId, autoStart: false }))
  );
  await memory.close();
  const sqlite = `sqlite:${join(dir, "bench.db")}`;
  results.sqlite = await measure((workerId) => StemApp.fromUrl(sqlite, { workerId }));
  const ns = `bench${process.pid}`;
  results.redis = await measure((workerId) =>
    StemApp.fromUrl(redis.url, { workerId, connect: { namespace: ns } })
  );
  results.postgres = await measure((workerId) =>
    StemApp.fromUrl(pg.url, { workerId, connect: { namespace: ns } })
  );
} finally {
  await redis.stop();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(JSON.stringify(results));
