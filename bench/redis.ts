// Redis benchmark: Stem (on Deno and on Bun) against BullMQ (on Node, its home runtime), all
// against the same redis-server started here. Cases alternate between systems in every round
// (the VM drifts ±30% between phases); medians and Stem/BullMQ ratios are printed as one JSON
// object. Run: `deno task bench:redis` (BENCH_ROUNDS, BENCH_TASKS to change the size).
import { execFileSync } from "node:child_process";
import process from "node:process";
import { startRedisServer } from "../tests/helpers/redis_server.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const TASKS = Number(process.env.BENCH_TASKS ?? 20_000);
const CASES = (process.env.BENCH_CASES ?? "enqueue,bulk,process,latency").split(",");
const SYSTEMS: Record<string, [string, string[]]> = {
  "stem-deno": ["node_modules/.bin/deno", ["run", "-A", "--no-check", "bench/redis/stem_case.ts"]],
  "stem-bun": ["node_modules/.bin/bun", ["bench/redis/stem_case.ts"]],
  "bullmq-node": ["node", ["bench/redis/bullmq_case.mjs"]],
};

// BENCH_BASE=<dir of another checkout>: also run that tree's Stem case (e.g. the commit before a
// change), alternating with the rest, so before/after ratios come from one run.
const BASE = process.env.BENCH_BASE;
if (BASE) {
  SYSTEMS["base-deno"] = [
    `${BASE}/node_modules/.bin/deno`,
    ["run", "-A", "--no-check", `${BASE}/bench/redis/stem_case.ts`],
  ];
  SYSTEMS["base-bun"] = [`${BASE}/node_modules/.bin/bun`, [`${BASE}/bench/redis/stem_case.ts`]];
}
const ONLY = process.env.BENCH_SYSTEMS?.split(",");
if (ONLY) {
  for (const name of Object.keys(SYSTEMS)) {
    if (!ONLY.includes(name)) delete SYSTEMS[name];
  }
}

type Sample = Record<string, number | string>;
const server = await startRedisServer(["--appendfsync", "everysec"]);
const samples: Record<string, Record<string, Sample[]>> = {};

function run(system: string, kase: string): Sample {
  const [cmd, args] = SYSTEMS[system];
  const out = execFileSync(cmd, args, {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    env: {
      ...process.env,
      BENCH_REDIS_URL: server.url,
      BENCH_CASE: kase,
      BENCH_TASKS: String(TASKS),
    },
    timeout: 300_000,
  });
  return JSON.parse(out.trim().split("\n").pop()!);
}

let http: Sample | null = null;
try {
  for (let round = 0; round < ROUNDS; round++) {
    const order = Object.keys(SYSTEMS);
    for (let i = 0; i < round % order.length; i++) order.push(order.shift()!);
    for (const kase of CASES) {
      for (const system of order) {
        const sample = run(system, kase);
        ((samples[kase] ??= {})[system] ??= []).push(sample);
        console.error(`round ${round + 1} ${kase} ${system}: ${JSON.stringify(sample)}`);
      }
    }
  }
  if (process.env.BENCH_HTTP !== "0") {
    const out = execFileSync(
      "node_modules/.bin/deno",
      ["run", "-A", "--no-check", "bench/redis/http_case.ts"],
      {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        env: { ...process.env, BENCH_REDIS_URL: server.url },
      },
    );
    http = JSON.parse(out.trim().split("\n").pop()!);
    console.error(`http: ${JSON.stringify(http)}`);
  }
} finally {
  await server.stop();
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round2 = (x: number) => Math.round(x * 100) / 100;
function summarize(list: Sample[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(list[0])) {
    if (typeof v === "number") out[k] = round2(median(list.map((s) => s[k] as number)));
  }
  return out;
}

const cases: Record<string, unknown> = {};
for (const [kase, bySystem] of Object.entries(samples)) {
  const summary: Record<string, unknown> = {};
  for (const [system, list] of Object.entries(bySystem)) summary[system] = summarize(list);
  const peer = summary["bullmq-node"] as Record<string, number>;
  const ratio: Record<string, number> = {};
  for (const system of Object.keys(summary)) {
    if (system === "bullmq-node" || !peer) continue;
    const s = summary[system] as Record<string, number>;
    ratio[system] = kase === "latency"
      ? round2(peer.p99 / s.p99)
      : round2(s.jobsPerSec / peer.jobsPerSec);
  }
  summary.ratio = ratio;
  cases[kase] = summary;
}
console.log(JSON.stringify(
  {
    bench: "redis",
    rounds: ROUNDS,
    tasks: TASKS,
    note:
      "ratio = Stem/BullMQ jobs per second; for latency, BullMQ p99 / Stem p99 (higher is better)",
    cases,
    http,
  },
  null,
  2,
));
