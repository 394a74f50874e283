// `deno task bench:workflows`: the same 5-step no-op workflow on Stem/Postgres and on DBOS
// (`@dbos-inc/dbos-sdk`, run under Node, its home runtime) against one PostgreSQL this script
// starts; each system runs as a subprocess on a fresh database, alternating within each round.
// Cases: throughput with 1,000 runs in flight, start→complete p50/p99 at a steady 50 runs/s,
// and 200 runs resumed by events. Also Stem on SQLite, Redis and memory. Prints one JSON object
// with medians over rounds and ratios.
// Env: STEM_BENCH_ROUNDS (default 3), STEM_BENCH_ONLY (comma-separated of stem-postgres, dbos,
// stem-sqlite, stem-redis, stem-memory), STEM_BENCH_RUNS (in-flight runs, default 1000).
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import postgres from "postgres";
import { startPostgres } from "../tests/helpers/postgres_server.ts";
import { startRedisServer } from "../tests/helpers/redis_server.ts";

const keepAlive = setInterval(() => {}, 60_000);
const rounds = Number(process.env.STEM_BENCH_ROUNDS ?? 3);
const inFlight = Number(process.env.STEM_BENCH_RUNS ?? 1000);
const only = process.env.STEM_BENCH_ONLY
  ? new Set(process.env.STEM_BENCH_ONLY.split(",").map((v) => v.trim()))
  : null;
const cases = { throughput: inFlight, latency: { rate: 50, count: 500 }, event: 200 };
const deno = "node_modules/.bin/deno";

interface SideResult {
  throughput: { perSec: number; ms: number };
  latency: { p50: number; p99: number };
  event: { perSec: number; ms: number };
  peakRssMb: number;
}

function child(cmd: string, args: string[]): Promise<SideResult> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 << 20, timeout: 600_000 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`${cmd} ${args[0]} failed: ${stderr || error.message}`));
      resolve(JSON.parse(stdout.trim().split("\n").pop()!));
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const summary = (list: SideResult[]) => ({
  throughputPerSec: median(list.map((r) => r.throughput.perSec)),
  latencyMsAt50PerSec: {
    p50: median(list.map((r) => r.latency.p50)),
    p99: median(list.map((r) => r.latency.p99)),
  },
  eventResumePerSec: median(list.map((r) => r.event.perSec)),
  peakRssMb: median(list.map((r) => r.peakRssMb)),
  runs: list,
});

const server = await startPostgres();
const admin = postgres(server.url, { onnotice: () => {}, max: 1 });
const redis = only === null || only.has("stem-redis") ? await startRedisServer() : null;
const dir = mkdtempSync(join(tmpdir(), "stem-bench-wf-"));
const casesJson = JSON.stringify(cases);
let fresh = 0;
async function freshDb(): Promise<string> {
  const name = `wfbench_${fresh++}`;
  await admin.unsafe(`CREATE DATABASE ${name}`);
  const url = new URL(server.url);
  url.pathname = `/${name}`;
  return url.toString();
}
const systems: { name: string; run: () => Promise<SideResult> }[] = [
  {
    name: "stem-postgres",
    run: async () =>
      child(deno, ["run", "-A", "bench/workflows/stem_side.ts", await freshDb(), casesJson]),
  },
  {
    name: "dbos",
    run: async () => child("node", ["bench/workflows/dbos_side.mjs", await freshDb(), casesJson]),
  },
  {
    name: "stem-sqlite",
    run: () =>
      child(deno, [
        "run",
        "-A",
        "bench/workflows/stem_side.ts",
        `sqlite:${join(dir, `bench_${fresh++}.db`)}`,
        casesJson,
      ]),
  },
  {
    name: "stem-redis",
    run: () => {
      const db = fresh++ % 16;
      return child(deno, [
        "run",
        "-A",
        "bench/workflows/stem_side.ts",
        `${redis!.url}/${db}`,
        casesJson,
      ]);
    },
  },
  {
    name: "stem-memory",
    run: () => child(deno, ["run", "-A", "bench/workflows/stem_side.ts", "memory://", casesJson]),
  },
].filter((s) => only === null || only.has(s.name));

try {
  const version = (await admin.unsafe("SHOW server_version"))[0].server_version as string;
  const results = new Map<string, SideResult[]>(systems.map((s) => [s.name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? systems : [...systems].reverse();
    for (const s of order) {
      console.error(`[bench] round ${round + 1}/${rounds}: ${s.name}`);
      const r = await s.run();
      console.error(`[bench]   ${JSON.stringify(r)}`);
      results.get(s.name)!.push(r);
    }
  }
  const summaries = Object.fromEntries([...results].map(([n, list]) => [n, summary(list)]));
  const stem = summaries["stem-postgres"];
  const dbos = summaries["dbos"];
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const ratios = stem && dbos
    ? {
      throughputVsDbos: ratio(stem.throughputPerSec, dbos.throughputPerSec),
      p50VsDbos: ratio(stem.latencyMsAt50PerSec.p50, dbos.latencyMsAt50PerSec.p50),
      p99VsDbos: ratio(stem.latencyMsAt50PerSec.p99, dbos.latencyMsAt50PerSec.p99),
      eventResumeVsDbos: ratio(stem.eventResumePerSec, dbos.eventResumePerSec),
    }
    : null;
  console.log(JSON.stringify(
    {
      bench: "workflows",
      postgres: version,
      rounds,
      cases,
      notes: [
        "each system runs in its own subprocess on a fresh database: Stem under Deno, DBOS " +
        "(@dbos-inc/dbos-sdk) under Node; starter and executor share that process",
        "throughput: N runs of a 5-step no-op workflow started at once, all awaited; latency: " +
        "start→result at a steady 50 runs/s; event: 200 runs waiting (Stem awaitEvent on " +
        "distinct topics, DBOS recv), each sent one payload, time until all completed",
        "Stem: StemWorkflowApp, worker concurrency 100; DBOS: startWorkflow (in-process " +
        "execution), default pool of 10 connections",
        "the 2-core VM is shared and drifts ±30% between phases; systems alternate per round",
      ],
      results: summaries,
      ratios,
      targets: ratios
        ? {
          throughputAtLeast2xDbos: ratios.throughputVsDbos >= 2,
          lowerP99ThanDbos: ratios.p99VsDbos < 1,
        }
        : null,
    },
    null,
    2,
  ));
} finally {
  await admin.end({ timeout: 1 });
  await server.stop();
  await redis?.stop();
  rmSync(dir, { recursive: true, force: true });
}
clearInterval(keepAlive);
process.exit(0);
