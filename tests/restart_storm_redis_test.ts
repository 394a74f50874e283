// Issue 9 item 12 against a real redis-server (appendonly, so the queue survives): a worker
// survives a storm of server restarts with every slot intact.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { runRestartStorm, type StormReport } from "./helpers/restart_storm.ts";

const skip = redisSkipReason() ?? false;
let server: RedisServer;

before(async () => {
  if (!skip) server = await startRedisServer();
});
after(async () => {
  await server?.stop();
});

describe("restart storm (real Redis)", { skip }, () => {
  let storm: StormReport | undefined;

  test("a worker drains 2,500 tasks through 5 redis-server restarts, keeps consuming and gets all 20 slots back", async () => {
    storm = await runRestartStorm({
      url: server.url,
      connect: { namespace: `storm-${process.pid}` },
      // SIGTERM: redis-server flushes the AOF and exits; start waits until PING answers PONG,
      // which it does only once the AOF is loaded.
      stop: () => server.stopProcess(),
      start: () => server.startProcess(),
    }, {
      tasks: 2_500,
      restartAfter: [200, 600, 1_000, 1_400, 1_800],
      finalBatch: 200,
      downMs: 2_500,
      concurrency: 20,
      visibilityTimeout: "2s",
      hangGuardMs: 120_000,
    });
    assert.ok(storm.runs >= 2_700, `every task ran at least once (${storm.runs} runs)`);
    console.log(`[restart storm redis] ${JSON.stringify(storm)}`);
  });

  test("after the Redis restart storm every task reads back succeeded, no read rejects", () => {
    assert.ok(storm, "the storm above ran to its end");
    assert.deepEqual(
      storm.statusReadErrors,
      [],
      "getTaskStatus rejected after the server was back (a stale error of the restart)",
    );
    assert.deepEqual(storm.notSucceeded, [], "tasks whose status is not succeeded");
  });
});
