// Crash proof: 10-step runs on a worker process killed with SIGKILL at random points; every run
// completes and each step's side effect happens once, except steps running at a kill.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { StemWorkflowApp } from "../mod.ts";
import { scriptCommand } from "./helpers/runtime.ts";
import { hasRedisServer, type RedisServer, startRedisServer } from "./helpers/redis_server.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";

const RUNS = 10;
const KILLS = 3;
const CONCURRENCY = 4;

function startWorker(env: Record<string, string>) {
  const [cmd, args] = scriptCommand("tests/fixtures/workflow_crash_worker.ts");
  const child = spawn(cmd, [...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stderr.on("data", (d) => (out += d));
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => String(d).includes("worker ready") && resolve());
    child.on("exit", (code) => reject(new Error(`worker exited ${code}: ${out}`)));
  });
  ready.catch(() => {});
  return { child, ready };
}

async function crashProof(url: string, ns: string, dir: string): Promise<void> {
  const log = join(dir, `${ns}.log`);
  const env = { WF_URL: url, WF_LOG: log, WF_NS: ns };
  const producer = await StemWorkflowApp.fromUrl(url, {
    connect: { namespace: ns },
    autoStart: false,
    allowUnregistered: true,
  });
  const ids: string[] = [];
  for (let i = 0; i < RUNS; i++) ids.push(await producer.startWorkflow("crash.flow", {}));
  for (let k = 0; k < KILLS; k++) {
    const w = startWorker(env);
    await w.ready;
    await new Promise((r) => setTimeout(r, 50 + Math.random() * 250));
    const exited = new Promise((r) => w.child.once("exit", r));
    w.child.kill("SIGKILL");
    await exited;
  }
  const last = startWorker(env);
  await last.ready;
  try {
    for (const id of ids) {
      const done = await producer.waitForCompletion(id, { timeout: "60s" });
      assert.equal(done.status, "completed", `run ${id}`);
      assert.equal(done.value, 9);
    }
  } finally {
    last.child.kill("SIGKILL");
    await producer.shutdown();
  }
  const lines = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  for (const id of ids) {
    for (let i = 0; i < 10; i++) assert.ok(counts.get(`${id} s${i}`), `${id} s${i} ran`);
  }
  const repeats = lines.length - counts.size;
  // Only a step that was running when its worker died may run twice: at most one per run a
  // killed worker was executing (its concurrency) per kill.
  assert.ok(repeats <= KILLS * CONCURRENCY, `${repeats} repeated side effects for ${KILLS} kills`);
  console.log(
    `crash proof ${url.split(":")[0]}: ${RUNS} runs, ${KILLS} kills, ${repeats} repeated steps`,
  );
}

describe("durable workflows survive kill -9 of their worker", () => {
  let dir = "";
  let redis: RedisServer | null = null;
  let pg: PostgresServer | null = null;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "stem-wf-crash-"));
    if (hasRedisServer()) redis = await startRedisServer();
    if (!postgresSkipReason()) pg = await startPostgres();
  });
  after(async () => {
    await redis?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("on SQLite", async () => {
    await crashProof(`sqlite:${join(dir, "crash.db")}`, "stem", dir);
  });
  test("on Redis", { skip: hasRedisServer() ? false : "redis-server not installed" }, async () => {
    await crashProof(redis!.url, `crash-${crypto.randomUUID()}`, dir);
  });
  test("on Postgres", { skip: postgresSkipReason() }, async () => {
    await crashProof(pg!.url, `crash_${crypto.randomUUID().replaceAll("-", "")}`, dir);
  });
});
