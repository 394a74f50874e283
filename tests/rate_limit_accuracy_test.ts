// The rate-limit accuracy check of issue 11, on Redis and on PostgreSQL: three `stem worker`
// processes share "20/s" over a backlog enqueued before they start. In the 10 s from the first start, 200 ± 10% runs start,
// every second holds 14..24 of them (its share is 20: no burst, no stall), and each process ran
// some (the limit is shared, not per worker). The task returns its own start time and pid, read
// back from the result backend. The backlog is 1,500 rather than the 300: the first pass
// over it takes 1-2 s even on an idle machine, so a deferral whose slot comes during the pass is
// tested on every run (with 300 only a loaded machine made that pass outlast a slot).
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { StemApp } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";
import { type CliProcess, startCli } from "./helpers/cli_process.ts";

const TASKS = "tests/fixtures/rate_limited_tasks.ts";
const BACKLOG = 1_500;
const WINDOW_MS = 10_000;
const STEP_MS = 30_000;

let redis: RedisServer | undefined;
let pg: PostgresServer | undefined;
let producer: StemApp | undefined;
const workers: CliProcess[] = [];

after(async () => {
  await stopAll();
  await redis?.stop();
  await pg?.stop();
});

/** Stops the workers (by pid, whatever state the test left them in) and the producer. */
async function stopAll(): Promise<void> {
  for (const w of workers) w.kill();
  await Promise.race([
    Promise.all(workers.map((w) => w.exited)),
    new Promise((r) => setTimeout(r, 5_000)),
  ]);
  workers.length = 0;
  await producer?.close({ timeout: "1s" });
  producer = undefined;
}

test("Redis: three worker processes at 20/s start 200 ± 10% tasks in 10 s, evenly spread", {
  skip: redisSkipReason() ?? false,
}, async () => {
  redis = await within("start redis-server", startRedisServer());
  await accuracy(redis.url);
});

test("PostgreSQL: three worker processes at 20/s start 200 ± 10% tasks in 10 s, evenly spread", {
  skip: postgresSkipReason() || false,
}, async () => {
  pg = await within("start PostgreSQL", startPostgres());
  await accuracy(pg.url);
});

async function accuracy(url: string): Promise<void> {
  producer = await within("connect the producer", StemApp.fromUrl(url));
  const ids = await within(
    "enqueueMany",
    producer.stem.enqueueMany(Array.from({ length: BACKLOG }, () => ({ name: "rate.tick" }))),
  );
  assert.equal(ids.length, BACKLOG);
  for (let i = 0; i < 3; i++) {
    workers.push(
      startCli(["worker", TASKS, "--broker", url, "--concurrency", "4"], {
        STEM_BROKER_URL: url,
      }),
    );
  }
  await within(
    "workers print their startup line",
    Promise.all(workers.map((w) => w.line(/consuming/))),
  )
    .catch((error) => {
      throw new Error(`${error.message}\n${workers.map((w) => w.output()).join("\n---\n")}`);
    });
  const first = await within("the first task starts", firstStart(producer, ids));
  // The last run of the window has started by now; its result is written within moments.
  await within("the window passes", sleepUntil(first + WINDOW_MS + 1_000));
  const runs = await within("read the results", readRuns(producer, ids));
  const t0 = Math.min(...runs.map((r) => r.at));
  const inWindow = runs.filter((r) => r.at < t0 + WINDOW_MS);
  const buckets = Array.from({ length: WINDOW_MS / 1_000 }, () => 0);
  for (const r of inWindow) buckets[Math.floor((r.at - t0) / 1_000)]++;
  const perPid = new Map<number, number>();
  for (const r of inWindow) perPid.set(r.pid, (perPid.get(r.pid) ?? 0) + 1);
  const detail = `${inWindow.length} starts, per second ${buckets.join(",")}, per process ${
    JSON.stringify(Object.fromEntries(perPid))
  }`;
  console.log(`rate limit accuracy: ${detail}`);
  assert.ok(inWindow.length >= 180 && inWindow.length <= 220, `200 ± 10% in 10 s: ${detail}`);
  // The first pass over the backlog defers every task (each reserves its slot); the slots that
  // fall due during that pass are handed out ahead of the rest of the backlog, so the first two
  // seconds hold their share too (when they were appended behind it: 1, then 39).
  for (const [i, n] of buckets.entries()) {
    assert.ok(n <= 24, `second ${i} holds ${n} starts (share 20 + 20%): ${detail}`);
    assert.ok(n >= 14, `second ${i} holds only ${n} starts (a stall): ${detail}`);
  }
  const pids = workers.map((w) => w.child.pid!);
  for (const pid of pids) {
    assert.ok((perPid.get(pid) ?? 0) > 0, `process ${pid} ran nothing: ${detail}`);
  }
  assert.deepEqual([...perPid.keys()].sort(), [...pids].sort(), detail);
  // Shut down gracefully inside the bound; `after` SIGKILLs whatever is left.
  for (const w of workers) w.child.kill("SIGTERM");
  await within("workers stop on SIGTERM", Promise.all(workers.map((w) => w.exited)));
  await stopAll();
}

interface Run {
  at: number;
  pid: number;
}

async function readRuns(app: StemApp, ids: string[]): Promise<Run[]> {
  const runs: Run[] = [];
  for (const id of ids) {
    const status = await app.backend.get(id);
    if (status?.state !== "succeeded") continue;
    runs.push(status.result as unknown as Run);
  }
  return runs;
}

/** When the first task of the backlog started (polled; the step bound ends a stall). */
async function firstStart(app: StemApp, ids: string[]): Promise<number> {
  for (;;) {
    // Tasks are taken roughly in order; the first few ids cover the first start.
    const runs = await readRuns(app, ids.slice(0, 30));
    if (runs.length > 0) return Math.min(...runs.map((r) => r.at));
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sleepUntil(when: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, when - Date.now())));
}

/** `work`, or a failure naming `step` once 30 s passed. */
async function within<T>(step: string, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const bound = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${step} did not finish within ${STEP_MS / 1_000} s`)),
      STEP_MS,
    );
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}
