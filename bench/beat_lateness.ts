// Beat dispatch lateness (publish done − due time) over N fires of a 1-second schedule, per
// adapter. The adapters run side by side in one process, each on its own quarter of the second
// (memory at :000, SQLite :250, Postgres :500, Redis :750), so their fires alternate instead of
// contending for the event loop at the same instant.
// Run: deno task bench:beat [N]   or   bun bench/beat_lateness.ts [N]
// (default 200 fires, about 200 s). Prints one JSON object: p50/p99/max ms per adapter.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { StemApp } from "../app.ts";
import { startPostgres } from "../tests/helpers/postgres_server.ts";
import { startRedisServer } from "../tests/helpers/redis_server.ts";

const fires = Number(process.argv[2] ?? 200);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function measure(
  name: string,
  url: string,
  offsetMs: number,
): Promise<Record<string, number | string>> {
  const app = await StemApp.fromUrl(url, { autoStart: false });
  const lateness: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  app.signals.scheduleEntryDispatched.connect(({ driftMs }) => {
    lateness.push(driftMs);
    if (lateness.length === fires) done();
  });
  const startAt = Math.ceil(Date.now() / 1_000) * 1_000 + 3_000 + offsetMs;
  await app.beat.upsert({
    id: `bench-${name}`,
    task: "bench.tick",
    spec: { every: "1s", startAt },
  });
  await app.beat.start();
  await finished;
  await app.close();
  const sorted = [...lateness].sort((a, b) => a - b);
  return {
    adapter: name,
    fires: sorted.length,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.at(-1)!,
  };
}

const dir = mkdtempSync(join(tmpdir(), "stem-beat-bench-"));
const redis = await startRedisServer();
const pg = await startPostgres();
try {
  const results = await Promise.all([
    measure("memory", "memory://", 0),
    measure("sqlite", `sqlite:${join(dir, "beat.db")}`, 250),
    measure("postgres", pg.url, 500),
    measure("redis-tcp", redis.url, 750),
  ]);
  const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";
  console.log(
    JSON.stringify({ bench: "beat_lateness", runtime, period: "1s", fires, results }, null, 2),
  );
} finally {
  await redis.stop();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
