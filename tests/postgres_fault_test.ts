// PostgreSQL-specific behaviour and faults with real processes: concurrent migrations, a
// malformed row, a wrong password, a killed worker, and a server restart under load.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PostgresBroker, PostgresResultBackend } from "../adapters/postgres/mod.ts";
import { Stem } from "../src/producer/stem.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
import { spawnWorker } from "./helpers/redis_worker_process.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
  TEST_PASSWORD,
} from "./helpers/postgres_server.ts";
import { completedRuns, until } from "./fixtures/pg_exec_log.ts";
import {
  assertKilledWorkerTaskRescued,
  SQL_WORKER_FIXTURE,
  stopWorker,
} from "./helpers/sql_worker_faults.ts";

const skip = postgresSkipReason();
const FIXTURE = SQL_WORKER_FIXTURE;
const dir = mkdtempSync(join(tmpdir(), "stem-pg-fault-"));
let server: PostgresServer;
let counter = 0;
const quiet = () => {};

before(async () => {
  if (!skip) server = await startPostgres();
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function setup() {
  const n = ++counter;
  const namespace = `fault_${process.pid}_${n}`;
  const log = join(dir, `runs-${n}.log`);
  const broker = await PostgresBroker.connect(server.url, { namespace, onError: quiet, max: 4 });
  const backend = await PostgresResultBackend.connect(server.url, { namespace, max: 4 });
  const stem = new Stem({ broker, backend });
  const env = {
    STEM_TEST_KIND: "postgres",
    STEM_TEST_URL: server.url,
    STEM_TEST_NS: namespace,
    STEM_TEST_LOG: log,
  };
  const close = () => Promise.all([broker.close(), backend.close()]);
  return { namespace, log, broker, backend, stem, env, close };
}

describe("PostgreSQL adapter", { skip }, () => {
  test("ten brokers connecting at once apply each migration exactly once", async () => {
    const namespace = `race_${process.pid}`;
    const brokers = await Promise.all(
      Array.from({ length: 10 }, () => PostgresBroker.connect(server.url, { namespace, max: 1 })),
    );
    const ledger = await brokers[0].sql.unsafe(
      `SELECT version, name FROM "${namespace}".stem_migrations ORDER BY version`,
    );
    assert.deepEqual(ledger.map((r) => [r.version, r.name]), [
      [1, "init"],
      [2, "kv_deliveries"],
      [3, "reserved"],
      [4, "workflows"],
      [5, "schedules"],
      [6, "due_first"],
      [7, "watched_statuses"],
    ]);
    await Promise.all(brokers.map((b) => b.close()));
  });

  test("a wrong password gives a clear error without the password", async () => {
    const wrong = server.passwordUrl.replace(TEST_PASSWORD, "not-the-password-42");
    await assert.rejects(PostgresBroker.connect(wrong, { namespace: "pw" }), (error: Error) => {
      assert.match(error.message, /password authentication failed/);
      assert.match(error.message, /Check the user name and password/);
      assert.ok(!error.message.includes("not-the-password-42"), error.message);
      assert.equal((error as { code?: string }).code, "connection-failed");
      return true;
    });
    const right = await PostgresBroker.connect(server.passwordUrl, { namespace: "pw" });
    await right.close();
  });

  test("a malformed row comes out as an invalid delivery", async () => {
    const { broker, close } = await setup();
    await broker.sql.unsafe(
      "INSERT INTO stem_jobs (queue, task_id, priority, visible_at, envelope) VALUES ($1, $2, 0, $3, $4)",
      ["bad", "bad-row", Date.now(), "{not json"],
    );
    const controller = new AbortController();
    const iterator = broker.consume({ queues: ["bad"], signal: controller.signal })[
      Symbol.asyncIterator
    ]();
    const { value: delivery } = await iterator.next();
    controller.abort();
    assert.equal(delivery.invalid?.reason, "malformed-envelope");
    assert.equal(delivery.envelope.id, "bad-row");
    assert.equal(delivery.envelope.meta["stem.raw"], "{not json");
    await broker.deadLetter(delivery, delivery.invalid!.reason, { error: delivery.invalid!.error });
    assert.equal((await broker.getDeadLetter("bad", "bad-row"))?.reason, "malformed-envelope");
    await close();
  });

  test("a retry (nack with a replacement) is one atomic update, not a dead letter", async () => {
    const { broker, close } = await setup();
    const envelope = testEnvelope({ queue: "retry" });
    await broker.publish(envelope);
    const controller = new AbortController();
    const iterator = broker.consume({ queues: ["retry"], signal: controller.signal })[
      Symbol.asyncIterator
    ]();
    const first = (await iterator.next()).value;
    await broker.nack(first, {
      envelope: { ...envelope, attempt: 1, notBefore: Date.now() + 60_000 },
    });
    controller.abort();
    assert.deepEqual(await broker.counts("retry"), {
      pending: 0,
      inflight: 0,
      delayed: 1,
      dead: 0,
    });
    const [row] = await broker.sql.unsafe("SELECT envelope FROM stem_jobs WHERE task_id = $1", [
      envelope.id,
    ]);
    assert.equal(JSON.parse(String(row.envelope)).attempt, 1);
    await close();
  });

  test("a task of a worker killed with SIGKILL is redelivered after its lease and succeeds once", async () => {
    const context = await setup();
    await assertKilledWorkerTaskRescued(context);
    await context.close();
  });

  test("workers on Deno and Bun survive a PostgreSQL restart; no acknowledged enqueue is lost", async () => {
    const { log, stem, env, close } = await setup();
    const workers = await Promise.all([
      spawnWorker("deno", FIXTURE, env),
      spawnWorker("bun", FIXTURE, env),
    ]);
    const acknowledged: string[] = [];
    let failed = 0;
    let stopProducing = false;
    const produce = async () => {
      for (let n = 0; !stopProducing; n++) {
        try {
          acknowledged.push(
            await stem.enqueue("fault.quick", {
              args: { n },
              options: { queue: "faults", visibilityTimeout: "5s" },
            }),
          );
        } catch {
          failed++;
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    const producing = produce();
    assert.ok(await until(() => completedRuns(log).length >= 20, 20_000), "work flows first");
    await server.restart();
    const before = acknowledged.length;
    assert.ok(
      await until(() => acknowledged.length >= before + 20, 30_000),
      "enqueues succeed again after the restart",
    );
    stopProducing = true;
    await producing;
    const done = await until(() => {
      const runs = new Set(completedRuns(log));
      return acknowledged.every((id) => runs.has(id));
    }, 60_000);
    const missing = acknowledged.filter((id) => !new Set(completedRuns(log)).has(id));
    assert.ok(done, `every acknowledged task ran; missing ${missing.length} (failed ${failed})`);
    await Promise.all(workers.map(stopWorker));
    await close();
  });
});
