// SQLite with real worker processes: three workers share one file, a killed worker's task is
// redelivered after its lease, and a malformed row is dead-lettered with its reason.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBroker, SqliteResultBackend } from "../adapters/sqlite/mod.ts";
import { NodeSqliteDriver } from "../adapters/sqlite/drivers/node_sqlite.ts";
import { Stem } from "../src/producer/stem.ts";
import { currentRuntime, spawnWorker } from "./helpers/redis_worker_process.ts";
import { completedRuns, until } from "./fixtures/pg_exec_log.ts";
import {
  assertKilledWorkerTaskRescued,
  SQL_WORKER_FIXTURE,
  stopWorker,
} from "./helpers/sql_worker_faults.ts";

const FIXTURE = SQL_WORKER_FIXTURE;
const dir = mkdtempSync(join(tmpdir(), "stem-sqlite-proc-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let counter = 0;

async function setup() {
  const n = ++counter;
  const file = join(dir, `stem-${n}.db`);
  const log = join(dir, `runs-${n}.log`);
  const broker = await SqliteBroker.open(file);
  const backend = await SqliteResultBackend.open(file);
  const stem = new Stem({ broker, backend });
  const env = { STEM_TEST_KIND: "sqlite", STEM_TEST_URL: file, STEM_TEST_LOG: log };
  const close = () => Promise.all([broker.close(), backend.close()]);
  return { file, log, broker, backend, stem, env, close };
}

describe("SQLite with worker processes", () => {
  test("three worker processes on one file run 3,000 tasks exactly once", async () => {
    const { log, broker, stem, env, close } = await setup();
    const other = currentRuntime() === "deno" ? "bun" : "deno";
    const workers = await Promise.all([
      spawnWorker(currentRuntime(), FIXTURE, env),
      spawnWorker(currentRuntime(), FIXTURE, env),
      spawnWorker(other, FIXTURE, env),
    ]);
    const ids = await stem.enqueueMany(
      Array.from({ length: 3_000 }, (_, n) => ({
        name: "fault.quick",
        args: { n },
        options: { queue: "faults", visibilityTimeout: "60s" },
      })),
    );
    const drained = await until(async () => {
      const c = await broker.counts("faults");
      return c.pending + c.inflight + c.delayed === 0 && completedRuns(log).length >= ids.length;
    }, 90_000);
    assert.ok(drained, "the queue drained");
    await Promise.all(workers.map(stopWorker));
    const runs = completedRuns(log);
    assert.equal(runs.length, 3_000, "3,000 executions");
    assert.equal(new Set(runs).size, 3_000, "no task ran twice");
    assert.deepEqual(new Set(runs), new Set(ids));
    assert.equal((await broker.counts("faults")).dead, 0);
    await close();
  });

  test("a task of a worker killed with SIGKILL is redelivered after its lease and succeeds once", async () => {
    const context = await setup();
    await assertKilledWorkerTaskRescued(context);
    await context.close();
  });

  test("a malformed row is dead-lettered with its reason", async () => {
    const { file, broker, env, close } = await setup();
    const raw = new NodeSqliteDriver(file);
    raw.exec("PRAGMA busy_timeout = 5000");
    raw.run(
      "INSERT INTO stem_jobs (queue, task_id, priority, visible_at, envelope) VALUES (?, ?, 0, ?, ?)",
      ["faults", "bad-row", Date.now(), "{not json"],
    );
    raw.close();
    const worker = await spawnWorker(currentRuntime(), FIXTURE, env);
    assert.ok(await until(async () => (await broker.counts("faults")).dead === 1, 20_000));
    const entry = await broker.getDeadLetter("faults", "bad-row");
    assert.ok(entry, "dead letter found by task id");
    assert.equal(entry.reason, "malformed-envelope");
    assert.equal(entry.envelope.meta["stem.raw"], "{not json");
    await stopWorker(worker);
    await close();
  });
});
