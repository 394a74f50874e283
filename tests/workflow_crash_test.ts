// Crash proof: 50 ten-step runs per store on a worker process killed with SIGKILL at 10 random
// points; every run completes and each step's side effect happens once, except steps running at
// a kill. The three stores run at the same time so the proof costs one store's wall time.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
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

const RUNS = 50;
const STEPS = 10;
const KILLS = 10;
const CONCURRENCY = 4;
/** Bound on every wait for a worker (ready, a step count): fail with what was seen, never hang. */
const WAIT_MS = 30_000;

interface Worker {
  child: ChildProcess;
  /** Resolves once the worker prints "worker ready". */
  ready: Promise<void>;
  /** Resolves once the worker has printed `n` step side effects. */
  steps(n: number): Promise<void>;
}

function bounded<T>(what: () => string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`timed out after ${WAIT_MS} ms: ${what()}`)),
      WAIT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function startWorker(env: Record<string, string>, children: Set<ChildProcess>): Worker {
  const [cmd, args] = scriptCommand("tests/fixtures/workflow_crash_worker.ts");
  const child = spawn(cmd, [...args], {
    env: { ...process.env, ...env, WF_CONCURRENCY: String(CONCURRENCY) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(child);
  let err = "";
  let buffered = "";
  let seen = 0;
  let last = "no step yet";
  let isReady = false;
  const waiters: { n: number; resolve: () => void }[] = [];
  let onReady = () => {};
  let exited: (e: Error) => void = () => {};
  const gone = new Promise<never>((_, reject) => (exited = reject));
  gone.catch(() => {});
  child.stderr!.on("data", (d) => (err += d));
  child.stdout!.on("data", (d) => {
    buffered += d;
    const lines = buffered.split("\n");
    buffered = lines.pop()!;
    for (const line of lines) {
      if (line === "worker ready") {
        isReady = true;
        onReady();
      } else if (line.startsWith("step ")) {
        seen++;
        last = line.slice(5);
      }
    }
    for (const w of waiters.splice(0)) {
      if (seen >= w.n) w.resolve();
      else waiters.push(w);
    }
  });
  child.on("exit", (code, signal) => {
    children.delete(child);
    exited(new Error(`worker ${child.pid} exited (${code ?? signal}) after ${last}: ${err}`));
  });
  const readyP = new Promise<void>((resolve) => {
    onReady = resolve;
    if (isReady) resolve();
  });
  return {
    child,
    ready: bounded(() => `worker ${child.pid} never ready: ${err}`, Promise.race([readyP, gone])),
    steps: (n) =>
      bounded(
        () => `worker ${child.pid} ran ${seen} of ${n} awaited steps, last ${last}`,
        Promise.race([new Promise<void>((resolve) => waiters.push({ n, resolve })), gone]),
      ),
  };
}

function killed(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  process.kill(child.pid!, "SIGKILL");
  return exit;
}

async function crashProof(url: string, ns: string, dir: string): Promise<string> {
  const log = join(dir, `${ns}.log`);
  const env = { WF_URL: url, WF_LOG: log, WF_NS: ns };
  const children = new Set<ChildProcess>();
  const producer = await StemWorkflowApp.fromUrl(url, {
    connect: { namespace: ns },
    autoStart: false,
    allowUnregistered: true,
  });
  const ids: string[] = [];
  const killedPids: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) ids.push(await producer.startWorkflow("crash.flow", {}));
    // Each worker is killed after an awaited, random number (1–25) of step side effects, so the
    // kill lands inside a step or between steps; at most 250 of the 500 steps run before the
    // last worker, so every target is reachable.
    for (let k = 0; k < KILLS; k++) {
      const w = startWorker(env, children);
      await w.ready;
      await w.steps(1 + Math.floor(Math.random() * 25));
      killedPids.push(w.child.pid!);
      await killed(w.child);
    }
    const last = startWorker(env, children);
    await last.ready;
    const done = await Promise.all(
      ids.map((id) => producer.waitForCompletion(id, { timeout: "60s" })),
    );
    for (const d of done) {
      assert.equal(d.status, "completed", `run ${d.runId} ${d.status} at step s${d.state.cursor}`);
      assert.equal(d.value, STEPS - 1);
    }
  } finally {
    await Promise.all([...children].map(killed));
    await producer.shutdown();
  }
  const lines = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
  // Executions of each "<run> <step>" in log order, by worker pid.
  const runsOf = new Map<string, number[]>();
  for (const l of lines) {
    const [run, step, pid] = l.split(" ");
    const key = `${run} ${step}`;
    runsOf.set(key, [...(runsOf.get(key) ?? []), Number(pid)]);
  }
  for (const id of ids) {
    for (let i = 0; i < STEPS; i++) assert.ok(runsOf.has(`${id} s${i}`), `${id} s${i} ran`);
  }
  assert.equal(runsOf.size, RUNS * STEPS, "side effects only from the test's runs");
  // Why KILLS × CONCURRENCY is the exact bound: only one worker lives at a time, and it executes
  // at most CONCURRENCY run tasks at once, each running one step at a time. A step re-runs only
  // when its worker dies between the step's side effect and the checkpoint of its result, so a
  // kill orphans at most CONCURRENCY steps, each of which runs once more on the next worker (if
  // that one is killed mid-step too, the re-run counts against its own kill). So every execution
  // but a step's last must come from a killed worker, at most CONCURRENCY per killed worker.
  const charged = new Map<number, number>();
  for (const [step, pids] of runsOf) {
    for (const pid of pids.slice(0, -1)) {
      assert.ok(killedPids.includes(pid), `${step} repeated after worker ${pid}, never killed`);
      charged.set(pid, (charged.get(pid) ?? 0) + 1);
    }
  }
  for (const [pid, n] of charged) {
    assert.ok(n <= CONCURRENCY, `worker ${pid} orphaned ${n} steps, concurrency ${CONCURRENCY}`);
  }
  const extra = lines.length - runsOf.size;
  assert.ok(extra <= KILLS * CONCURRENCY, `${extra} extra step executions for ${KILLS} kills`);
  const summary =
    `crash proof ${url.split(":")[0]}: ${RUNS} runs × ${STEPS} steps, ${KILLS} kills, ` +
    `${extra} extra step executions (bound ${KILLS * CONCURRENCY}; per kill ` +
    `${killedPids.map((p) => charged.get(p) ?? 0).join(",")})`;
  console.log(summary);
  return summary;
}

describe("durable workflows survive kill -9 of their worker", () => {
  let dir = "";
  let redis: RedisServer | null = null;
  let pg: PostgresServer | null = null;
  const proofs = new Map<string, Promise<string>>();
  function launch(store: string, proof: () => Promise<string>): void {
    const p = proof();
    p.catch(() => {});
    proofs.set(store, p);
  }
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "stem-wf-crash-"));
    if (hasRedisServer()) redis = await startRedisServer();
    if (!postgresSkipReason()) pg = await startPostgres();
    // The stores run concurrently (each with its own worker processes); each test awaits its own.
    launch("sqlite", () => crashProof(`sqlite:${join(dir, "crash.db")}`, "stem", dir));
    if (redis) launch("redis", () => crashProof(redis!.url, `crash-${crypto.randomUUID()}`, dir));
    if (pg) {
      launch(
        "postgres",
        () => crashProof(pg!.url, `crash_${crypto.randomUUID().replaceAll("-", "")}`, dir),
      );
    }
  });
  after(async () => {
    await Promise.allSettled(proofs.values());
    await redis?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("on SQLite", async () => {
    await proofs.get("sqlite");
  });
  test("on Redis", { skip: hasRedisServer() ? false : "redis-server not installed" }, async () => {
    await proofs.get("redis");
  });
  test("on Postgres", { skip: postgresSkipReason() }, async () => {
    await proofs.get("postgres");
  });
});
