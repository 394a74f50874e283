// Workflows on durable stores: a run survives the app that started it, and events emitted while
// no worker runs are delivered once a worker starts (SQLite, Redis, Postgres).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StemWorkflowApp, WorkflowScript } from "../mod.ts";
import { hasRedisServer, type RedisServer, startRedisServer } from "./helpers/redis_server.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";

const RUNS = 100;

function waiter(delivered: Map<string, number>) {
  return new WorkflowScript<{ topic: string }, unknown>({
    name: "durable.waiter",
    run: async (script) => {
      const payload = await script.step("wait", (s) => s.awaitEvent(s.params.topic));
      return await script.step("record", (s) => {
        delivered.set(s.runId, (delivered.get(s.runId) ?? 0) + 1);
        return payload;
      });
    },
  });
}

async function eventsSurviveNoWorker(url: string, namespace: string): Promise<void> {
  const delivered = new Map<string, number>();
  const options = {
    scripts: [waiter(delivered)],
    connect: { namespace },
    pollInterval: "100ms" as const,
  };
  // 1. Runs start and suspend on distinct topics; then that worker goes away.
  const first = await StemWorkflowApp.fromUrl(url, options);
  await first.start();
  const ids: string[] = [];
  let suspended = 0;
  const allSuspended = new Promise<void>((resolve) => {
    first.signals.workflowRunSuspended.connect(() => {
      if (++suspended === RUNS) resolve();
    });
  });
  for (let i = 0; i < RUNS; i++) {
    ids.push(await first.startWorkflow("durable.waiter", { topic: `d.${i}` }));
  }
  await allSuspended;
  await first.shutdown();
  // 2. A producer with no worker emits every topic: payloads persist, continuations queue up.
  const producer = await StemWorkflowApp.fromUrl(url, { ...options, autoStart: false });
  for (let i = 0; i < RUNS; i++) assert.equal(await producer.emit(`d.${i}`, { i }), 1);
  assert.equal(await producer.emit("d.0", { i: -1 }), 0, "a watcher resolves once");
  assert.deepEqual(await producer.listWatchers(), []);
  await producer.shutdown();
  // 3. A new worker resumes every run, each with its own payload, once.
  const second = await StemWorkflowApp.fromUrl(url, options);
  await second.start();
  for (let i = 0; i < RUNS; i++) {
    const done = await second.waitForCompletion(ids[i], { timeout: "30s" });
    assert.equal(done.status, "completed", `run ${i}`);
    assert.deepEqual(done.value, { i });
  }
  assert.equal(delivered.size, RUNS);
  for (const count of delivered.values()) assert.equal(count, 1);
  await second.shutdown();
}

describe("durable workflows: events emitted with no worker running", () => {
  let dir = "";
  let redis: RedisServer | null = null;
  let pg: PostgresServer | null = null;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "stem-wf-"));
    if (hasRedisServer()) redis = await startRedisServer();
    if (!postgresSkipReason()) pg = await startPostgres();
  });
  after(async () => {
    await redis?.stop();
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("on SQLite", async () => {
    await eventsSurviveNoWorker(`sqlite:${join(dir, "wf.db")}`, "stem");
  });
  test("on Redis", { skip: hasRedisServer() ? false : "redis-server not installed" }, async () => {
    await eventsSurviveNoWorker(redis!.url, `wf-${crypto.randomUUID()}`);
  });
  test("on Postgres", { skip: postgresSkipReason() }, async () => {
    await eventsSurviveNoWorker(pg!.url, `wf_${crypto.randomUUID().replaceAll("-", "")}`);
  });
});
