import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";

const tasks = [
  new FunctionTaskHandler({
    name: "math.double",
    options: { maxRetries: 1, retryPolicy: { defaultDelay: 10, jitter: false } },
    entrypoint: (ctx, args) => {
      if (ctx.attempt === 0 && args.flaky) throw new Error("first attempt fails");
      return (args.n as number) * 2;
    },
  }),
];

async function roundTrip(app: StemApp): Promise<void> {
  await app.start();
  const plain = await app.stem.enqueue("math.double", { args: { n: 21 } });
  const flaky = await app.stem.enqueue("math.double", { args: { n: 5, flaky: true } });
  assert.equal((await app.stem.waitForTask(plain, { timeout: "20s" })).value, 42);
  const retried = await app.stem.waitForTask(flaky, { timeout: "20s" });
  assert.equal(retried.value, 10);
  assert.equal(retried.status?.attempt, 1);
  await app.close();
}

describe("StemApp.fromUrl with real servers", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  before(async () => (redis = await startRedisServer()));
  after(async () => await redis?.stop());

  test("redis:// builds a Redis-backed app: enqueue, retry, result", async () => {
    await roundTrip(await StemApp.fromUrl(redis.url, { tasks, connect: { namespace: "urltest" } }));
  });
});

describe("StemApp.fromUrl with PostgreSQL", { skip: postgresSkipReason() || false }, () => {
  let pg: PostgresServer;
  before(async () => (pg = await startPostgres()));
  after(async () => await pg?.stop());

  test("postgres:// builds a Postgres-backed app: enqueue, retry, result", async () => {
    await roundTrip(await StemApp.fromUrl(pg.url, { tasks }));
  });
});

describe("StemApp.sqlite", () => {
  test("a SQLite file app: enqueue, retry, result — and the tasks survive a restart", async () => {
    const { mkdtempSync, rmSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = mkdtempSync(join(tmpdir(), "stem-app-sqlite-"));
    try {
      const path = join(dir, "stem.db");
      await roundTrip(await StemApp.sqlite(path, { tasks }));
      const producer = await StemApp.sqlite(path, { tasks });
      const id = await producer.stem.enqueue("math.double", { args: { n: 4 } });
      await producer.close();
      const worker = await StemApp.sqlite(path, { tasks });
      await worker.start();
      assert.equal((await worker.stem.waitForTask(id, { timeout: "20s" })).value, 8);
      await worker.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
