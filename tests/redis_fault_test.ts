// Fault tests with real processes: a killed worker, a restarted redis-server, garbage in a
// stream, and a refused connection.
import { eventually } from "../src/testing/mod.ts";
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { RedisResultBackend, RedisStreamsBroker } from "../adapters/redis/mod.ts";
import { queueKeys } from "../adapters/redis/keys.ts";
import { TcpTransport } from "../adapters/redis/tcp/tcp_transport.ts";
import { Stem } from "../src/producer/stem.ts";
import { freePort, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import {
  currentRuntime,
  killStrayWorkers,
  spawnWorker,
  type WorkerProcess,
} from "./helpers/redis_worker_process.ts";

const skip = redisSkipReason();
const server = skip ? null : await startRedisServer();
after(async () => {
  killStrayWorkers();
  await server?.stop();
});

const FIXTURE = "tests/fixtures/redis_worker.ts";
const quiet = () => {};

async function setup() {
  const ns = `f${Math.random().toString(36).slice(2, 10)}`;
  const broker = await RedisStreamsBroker.connect(server!.url, { namespace: ns, onError: quiet });
  const backend = await RedisResultBackend.connect(server!.url, { namespace: ns, onError: quiet });
  const side = await TcpTransport.connect(server!.url, { onError: quiet });
  const stem = new Stem({ broker, backend });
  const env = { STEM_TEST_REDIS_URL: server!.url, STEM_TEST_NS: ns };
  const close = () => Promise.all([broker.close(), backend.close(), side.close()]);
  return { ns, broker, backend, side, stem, env, close };
}

async function stop(worker: WorkerProcess): Promise<void> {
  worker.child.kill("SIGTERM");
  await worker.exited;
  // Deno's child_process reports the signal it sent even after a clean exit, so check the
  // worker's own "stopped" line instead of the exit code.
  assert.match(worker.stdout(), /stopped/, `worker shuts down cleanly: ${worker.stderr()}`);
}

describe("Redis fault tolerance", { skip: skip ?? undefined }, () => {
  test("a task of a worker killed with SIGKILL is redelivered and succeeds exactly once", async () => {
    const { ns, side, stem, env, close } = await setup();
    const doomed = await spawnWorker(currentRuntime(), FIXTURE, { ...env, STEM_TEST_HANG: "1" });
    const id = await stem.enqueue("fault.run", {
      options: { queue: "faults", visibilityTimeout: "1s" },
    });
    const first = await side.command(["BLPOP", `${ns}:starts`, "20"]) as string[];
    assert.equal(first[1], `${id}:${doomed.child.pid}`);
    doomed.child.kill("SIGKILL");
    await doomed.exited;
    const rescuer = await spawnWorker(currentRuntime(), FIXTURE, env);
    const result = await stem.waitForTask(id, { timeout: "20s" });
    assert.equal(result.status?.state, "succeeded");
    const second = await side.command(["BLPOP", `${ns}:starts`, "5"]) as string[];
    assert.equal(second[1], `${id}:${rescuer.child.pid}`);
    assert.equal(await side.command(["GET", `${ns}:done:${id}`]), "1", "completed once");
    await stop(rescuer);
    await close();
  });

  test("workers on Deno and Bun survive a redis-server restart; no acknowledged enqueue is lost", async () => {
    const { stem, env, close } = await setup();
    const workers = await Promise.all([
      spawnWorker("deno", FIXTURE, env),
      spawnWorker("bun", FIXTURE, env),
    ]);
    const acknowledged: string[] = [];
    let failed = 0;
    const produce = async (n: number) => {
      for (let i = 0; i < n; i++) {
        try {
          acknowledged.push(
            await stem.enqueue("fault.quick", {
              args: { n: i },
              options: { queue: "faults", visibilityTimeout: "2s" },
            }),
          );
        } catch {
          failed++;
        }
        await new Promise((r) => setTimeout(r, 2));
      }
    };
    const producing = produce(400);
    await new Promise((r) => setTimeout(r, 150));
    await server!.restart({ downMs: 300 });
    await producing;
    assert.ok(acknowledged.length > 0);
    for (const id of acknowledged) {
      const result = await stem.waitForTask(id, { timeout: "30s" });
      assert.equal(result.status?.state, "succeeded", `task ${id} (failed enqueues: ${failed})`);
    }
    await Promise.all(workers.map(stop));
    await close();
  });

  test("garbage in a stream is dead-lettered with a reason and the worker keeps going", async () => {
    const { ns, broker, side, stem, env, close } = await setup();
    const worker = await spawnWorker(currentRuntime(), FIXTURE, env);
    await side.command(["XADD", queueKeys(ns, "faults").bands[0], "*", "e", "{garbage"]);
    const id = await stem.enqueue("fault.quick", { args: { n: 7 }, options: { queue: "faults" } });
    assert.equal((await stem.waitForTask(id, { timeout: "20s" })).value, 7);
    // The worker settles the garbage entry on its own schedule (it is rejected, not run), and
    // no event crosses the process boundary: read the dead letters until it has landed.
    const page = await eventually(
      () => broker.listDeadLetters("faults"),
      (p) => p.entries.length > 0,
      20_000,
    );
    assert.equal(page.entries.length, 1);
    assert.equal(page.entries[0].reason, "malformed-envelope");
    assert.equal(page.entries[0].envelope.meta["stem.raw"], "{garbage");
    await stop(worker);
    await close();
  });

  test("a worker that cannot connect exits with the URL named and the password redacted", async () => {
    const port = await freePort();
    const url = `redis://:s3cret@127.0.0.1:${port}`;
    await assert.rejects(
      () => spawnWorker(currentRuntime(), FIXTURE, { STEM_TEST_REDIS_URL: url, STEM_TEST_NS: "x" }),
      (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`Could not connect to Redis at redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}`),
        );
        assert.ok(!error.message.includes("s3cret"));
        return true;
      },
    );
  });
});
