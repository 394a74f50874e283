// Beat dispatch lateness (publish done − due time) over N fires of a 1-second schedule, per
// adapter. The adapters run side by side in one process, each at its own offset in the second
// (memory :000, Redis over HTTP :100, SQLite :200, Postgres :400, Redis :600 and :800), so their
// fires alternate instead of contending for the event loop at the same instant. Redis over TCP
// runs twice: as the tests start it (`appendfsync always`: every write waits for an fsync) and
// with Redis's default AOF policy (`appendfsync everysec`); Redis over HTTP goes through the REST
// bridge (`stem redis-http`) in front of the everysec server, schedule-change polling off (its
// default: each poll is a billed command). `wake*` is when Beat was awake at the fire time (the
// `scheduleEntryDue` signal); the rest of the lateness is the adapter's publish.
// Run: deno task bench:beat [N]   or   bun bench/beat_lateness.ts [N]
// (default 200 fires, about 200 s). Prints one JSON object: p50/p99/max ms per adapter.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { StemApp } from "../app.ts";
import { startPostgres } from "../tests/helpers/postgres_server.ts";
import { startRedisServer } from "../tests/helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "../tests/helpers/redis_bridge.ts";
import type { AdapterConnectOptions } from "../src/core/adapter.ts";

const fires = Number(process.argv[2] ?? 200);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function measure(
  name: string,
  url: string,
  offsetMs: number,
  connect?: AdapterConnectOptions,
): Promise<Record<string, number | string>> {
  const app = await StemApp.fromUrl(url, { autoStart: false, connect });
  const lateness: number[] = [];
  // Where the time goes: the wake (scheduleEntryDue is emitted once Beat is awake at the fire
  // time) and the publish after it.
  const wake: number[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  app.signals.scheduleEntryDue.connect(({ fireAt }) => {
    wake.push(Date.now() - fireAt);
  });
  app.signals.scheduleEntryDispatched.connect(({ driftMs }) => {
    if (lateness.length >= fires) return;
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
  const wakes = wake.slice(0, fires).sort((a, b) => a - b);
  return {
    adapter: name,
    fires: sorted.length,
    p50Ms: quantile(sorted, 0.5),
    p99Ms: quantile(sorted, 0.99),
    maxMs: sorted.at(-1)!,
    wakeP50Ms: quantile(wakes, 0.5),
    wakeP99Ms: quantile(wakes, 0.99),
  };
}

const dir = mkdtempSync(join(tmpdir(), "stem-beat-bench-"));
const redis = await startRedisServer();
const redisEverysec = await startRedisServer(["--appendfsync", "everysec"]);
const pg = await startPostgres();
const bridge = await startBridge(redisEverysec.url);
try {
  const results = await Promise.all([
    measure("memory", "memory://", 0),
    measure("redis-http", bridge.url, 100, { token: BRIDGE_TOKEN, namespace: "bench-http" }),
    measure("sqlite", `sqlite:${join(dir, "beat.db")}`, 200),
    measure("postgres", pg.url, 400),
    measure("redis-tcp", redis.url, 600),
    measure("redis-tcp-everysec", redisEverysec.url, 800),
  ]);
  const runtime = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";
  console.log(
    JSON.stringify({ bench: "beat_lateness", runtime, period: "1s", fires, results }, null, 2),
  );
} finally {
  await bridge.close();
  await redis.stop();
  await redisEverysec.stop();
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
