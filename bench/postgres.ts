// `deno task bench:postgres`: Stem/Postgres vs pg-boss vs graphile-worker on one PostgreSQL this
// script starts (temp dir, free port), systems alternating within each round; plus Stem/SQLite.
// Prints one JSON object: medians over rounds, ratios, and queries issued by idle workers.
// Env: STEM_BENCH_ROUNDS (default 3), STEM_BENCH_JOBS (processing/bulk size, default 20000);
// for iterating, STEM_BENCH_ONLY (comma-separated system names, e.g.
// "stem-postgres,graphile-worker-batched,stem-sqlite") and STEM_BENCH_CASES (comma-separated of
// single,bulk,processing,latency,idle) run a subset; ratios are printed for what ran.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import postgres from "postgres";
import { startPostgres } from "../tests/helpers/postgres_server.ts";
import {
  bulkEnqueue,
  type CpuProbe,
  latency,
  median,
  processing,
  singleEnqueue,
  type StatementCounts,
} from "./postgres/scenarios.ts";
import { graphileWorker, pgBoss } from "./postgres/peer_systems.ts";
import type { BenchSystem } from "./postgres/system.ts";
import { idleQueries } from "./postgres/idle_queries.ts";
import { baseSystems } from "./postgres/base_systems.ts";
import { serverCpuProbe } from "./postgres/cpu.ts";

// A stalled system must not end the run silently (an empty event loop exits with code 0).
const keepAlive = setInterval(() => {}, 60_000);
const rounds = Number(process.env.STEM_BENCH_ROUNDS ?? 3);
const jobs = Number(process.env.STEM_BENCH_JOBS ?? 20_000);
const singles = 5_000;
const listEnv = (name: string) =>
  process.env[name] ? new Set(process.env[name]!.split(",").map((v) => v.trim())) : null;
const only = listEnv("STEM_BENCH_ONLY");
const cases = listEnv("STEM_BENCH_CASES");
const runsSystem = (name: string) => only === null || only.has(name);
const runsCase = (name: string) => cases === null || cases.has(name);

interface Runs {
  singleEnqueue: number[];
  bulkEnqueue: number[];
  processing: number[];
  statementsPerJob: number[];
  byQuery: { query: string; perJob: number }[];
  cpuUsPerJob: { client: number; server: number }[];
  p50: number[];
  p99: number[];
}

async function measure(
  s: BenchSystem,
  runs: Runs,
  count?: StatementCounts,
  cpu?: CpuProbe,
): Promise<void> {
  const note = (what: string, value: unknown) =>
    console.error(`[bench]   ${s.name} ${what}: ${JSON.stringify(value)}`);
  if (runsCase("single")) {
    runs.singleEnqueue.push(await singleEnqueue(s, singles));
    note("single enqueue/s", runs.singleEnqueue.at(-1));
  }
  if (runsCase("bulk")) {
    runs.bulkEnqueue.push(await bulkEnqueue(s, jobs));
    note("bulk enqueue/s", runs.bulkEnqueue.at(-1));
  }
  if (runsCase("processing")) {
    const run = await processing(s, jobs, 50, 60_000, count, cpu);
    runs.processing.push(run.perSec);
    note("processing/s", run.perSec);
    if (run.cpuUsPerJob) {
      runs.cpuUsPerJob.push(run.cpuUsPerJob);
      note("CPU µs/job", run.cpuUsPerJob);
    }
    if (run.statementsPerJob !== undefined) {
      runs.statementsPerJob.push(run.statementsPerJob);
      runs.byQuery = run.byQuery ?? [];
      note("statements/job", run.statementsPerJob);
    }
  }
  if (runsCase("latency")) {
    const lat = await latency(s, 500, 4);
    note("latency", lat);
    runs.p50.push(lat.p50);
    runs.p99.push(lat.p99);
  }
}

function summary(runs: Runs) {
  return {
    singleEnqueuePerSec: median(runs.singleEnqueue),
    bulkEnqueuePerSec: median(runs.bulkEnqueue),
    processingPerSec: median(runs.processing),
    cpuUsPerProcessedJob: runs.cpuUsPerJob.length > 0
      ? {
        client: median(runs.cpuUsPerJob.map((c) => c.client)),
        server: median(runs.cpuUsPerJob.map((c) => c.server)),
      }
      : undefined,
    statementsPerProcessedJob: runs.statementsPerJob.length > 0
      ? Math.min(...runs.statementsPerJob)
      : undefined,
    latencyMsAt500PerSec: { p50: median(runs.p50), p99: median(runs.p99) },
    runs,
  };
}

const emptyRuns = (): Runs => ({
  singleEnqueue: [],
  bulkEnqueue: [],
  processing: [],
  statementsPerJob: [],
  byQuery: [],
  cpuUsPerJob: [],
  p50: [],
  p99: [],
});

// Loaded the way base_systems.ts loads BENCH_BASE's tree, so a before/after comparison does not
// also compare static against dynamic module loading (V8 tenures allocation sites differently
// in the two; bench/README.md "Pretenured literals").
const { stemPostgres, stemSqlite } = await import("./postgres/stem_systems.ts");
const server = await startPostgres({
  settings: { shared_preload_libraries: "pg_stat_statements", "pg_stat_statements.track": "all" },
});
const admin = postgres(server.url, { onnotice: () => {}, max: 1 });
const dir = mkdtempSync(join(tmpdir(), "stem-bench-sqlite-"));
try {
  await admin.unsafe("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
  const version = (await admin.unsafe("SHOW server_version"))[0].server_version as string;
  const systems: BenchSystem[] = [
    stemPostgres(server.url),
    stemPostgres(server.url, false),
    pgBoss(server.url, "batch"),
    graphileWorker(server.url, true),
    graphileWorker(server.url, false),
    ...(await baseSystems(server.url)),
  ].filter((s) => runsSystem(s.name));
  for (const s of systems) await s.setup();
  const runs = new Map(systems.map((s) => [s.name, emptyRuns()]));
  const cpu = serverCpuProbe(join(server.dir, "data"));
  // Every statement but pg_stat_statements' own reads (systems run one at a time).
  const statements: StatementCounts = async () => {
    const rows = await admin.unsafe(
      `SELECT query, calls::float8 AS calls FROM pg_stat_statements
       WHERE query NOT LIKE '%pg_stat_statements%'`,
    );
    const map = new Map<string, number>();
    for (const r of rows) {
      const key = String(r.query).replace(/\s+/g, " ").slice(0, 80);
      map.set(key, (map.get(key) ?? 0) + Number(r.calls));
    }
    return map;
  };
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? systems : [...systems].reverse();
    for (const s of order) {
      console.error(`[bench] round ${round + 1}/${rounds}: ${s.name}`);
      await measure(s, runs.get(s.name)!, statements, cpu);
    }
  }
  for (const s of systems) await s.close();

  const sqliteRuns = emptyRuns();
  if (runsSystem("stem-sqlite")) {
    const sqlite = stemSqlite(join(dir, "bench.db"));
    await sqlite.setup();
    for (let round = 0; round < rounds; round++) {
      console.error(`[bench] round ${round + 1}/${rounds}: stem-sqlite`);
      await measure(sqlite, sqliteRuns, undefined, cpu);
    }
    await sqlite.close();
  }

  let idle = {};
  if (runsCase("idle") && only === null) {
    console.error("[bench] idle workers");
    idle = await idleQueries(server.url, admin, 10_000);
  }

  const results = Object.fromEntries([...runs].map(([name, r]) => [name, summary(r)]));
  // NaN (null in the JSON) when no peer of the group ran (STEM_BENCH_ONLY).
  const best = (names: string[], key: "processingPerSec" | "singleEnqueuePerSec") => {
    const ran = names.filter((n) => results[n]).map((n) => results[n][key]);
    return ran.length > 0 ? Math.max(...ran) : NaN;
  };
  const none = summary(emptyRuns());
  const stem = results["stem-postgres"] ?? none;
  const bare = results["stem-postgres-no-results"] ?? none;
  const boss = ["pg-boss-batch"];
  const graphile = ["graphile-worker-batched", "graphile-worker"];
  const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
  const ratios = {
    processingVsPgBossBest: ratio(stem.processingPerSec, best(boss, "processingPerSec")),
    processingVsGraphileBest: ratio(stem.processingPerSec, best(graphile, "processingPerSec")),
    singleEnqueueVsPgBossBest: ratio(stem.singleEnqueuePerSec, best(boss, "singleEnqueuePerSec")),
    noResultsProcessingVsPgBossBest: ratio(bare.processingPerSec, best(boss, "processingPerSec")),
    noResultsProcessingVsGraphileBest: ratio(
      bare.processingPerSec,
      best(graphile, "processingPerSec"),
    ),
  };
  console.log(JSON.stringify(
    {
      bench: "postgres",
      postgres: version,
      runtime: (globalThis as { Bun?: unknown }).Bun ? "bun" : "deno",
      rounds,
      jobs,
      singleEnqueueJobs: singles,
      notes: [
        "single enqueue: 100 calls in flight; bulk: batches of 1,000; processing: no-op " +
        "tasks pre-filled, worker at concurrency 50; latency: enqueue to handler start at 500/s",
        "stem-postgres: the worker writes running/succeeded statuses to PostgresResultBackend " +
        "for every task (2 upserts per task); stem-postgres-no-results: worker without a " +
        "result backend (like graphile-worker, which keeps nothing). stem-postgres's producer " +
        "records `queued` for every enqueue (concurrent enqueues share one insert); the " +
        "no-results producer writes no status.",
        "Stem/Postgres workers use prefetch 500 and claims of up to 500 (graphile-worker-batched " +
        "uses a local queue of 500); Stem/SQLite uses the defaults (prefetch 100)",
        "the 2-core VM drifts ±30% between phases; systems alternate within each round",
        "pg-boss-batch (batchSize 50, burstWhenBatchFull, LISTEN/NOTIFY) is pg-boss's best " +
        "setting here: its other one (localConcurrency 50, batchSize 1) processed ~2 jobs/s " +
        "in a trial run, so it is left out",
      ],
      results,
      sqlite: summary(sqliteRuns),
      idleQueries: idle,
      ratios,
      targets: {
        processingAtLeast3xPgBoss: ratios.processingVsPgBossBest >= 3,
        processingAtLeastGraphile: ratios.processingVsGraphileBest >= 1,
        singleEnqueueAtLeast10xPgBoss: ratios.singleEnqueueVsPgBossBest >= 10,
      },
    },
    null,
    2,
  ));
} finally {
  await admin.end({ timeout: 1 });
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}
clearInterval(keepAlive);
process.exit(0);
