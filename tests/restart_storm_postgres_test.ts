// Issue 9 items 12 and 14 against a real PostgreSQL: a worker survives a storm of server
// restarts with every slot intact, and a worker process answers SIGTERM right after a restart.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { StemApp } from "../mod.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";
import { runRestartStorm, type StormReport } from "./helpers/restart_storm.ts";
import { startCli } from "./helpers/cli_process.ts";

const skip = postgresSkipReason();
let server: PostgresServer;

before(async () => {
  if (!skip) server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

describe("restart storm (real PostgreSQL)", { skip }, () => {
  let storm: StormReport | undefined;

  test("a worker drains 2,500 tasks through 5 PostgreSQL restarts, keeps consuming and gets all 20 slots back", async () => {
    storm = await runRestartStorm({
      url: server.url,
      connect: { namespace: `storm_${process.pid}` },
      stop: () => server.stopServer(),
      start: () => server.startServer(),
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
    console.log(`[restart storm postgres] ${JSON.stringify(storm)}`);
  });

  test("after the PostgreSQL restart storm every task reads back succeeded, no read rejects", () => {
    assert.ok(storm, "the storm above ran to its end");
    assert.deepEqual(
      storm.statusReadErrors,
      [],
      "getTaskStatus rejected after the server was back (a stale error of the restart)",
    );
    assert.deepEqual(storm.notSucceeded, [], "tasks whose status is not succeeded");
  });

  test("stem worker exits 0 on a SIGTERM sent right after a PostgreSQL restart, busy with a backlog", async () => {
    const worker = startCli(
      ["worker", "tests/fixtures/cli_tasks.ts", "--broker", server.url, "--concurrency", "20"],
    );
    const producer = await StemApp.fromUrl(server.url);
    let guard: ReturnType<typeof setTimeout> | undefined;
    try {
      await worker.line(/consuming/);
      // A backlog keeps the worker claiming, running and settling through the restart.
      const ids = await producer.stem.enqueueMany(
        Array.from({ length: 2_000 }, (_, n) => ({ name: "cli.greet", args: { name: `n${n}` } })),
      );
      const first = await producer.stem.waitForTask(ids[0], { timeout: "20s" });
      assert.equal(first.isSucceeded, true, JSON.stringify(first.status));
      await server.stopServer();
      // Down longer than a claim's round trip and the worker's first reconnect back-offs.
      await new Promise((r) => setTimeout(r, 2_500));
      await server.startServer();
      const sent = Date.now();
      process.kill(worker.child.pid!, "SIGTERM");
      const code = await Promise.race([
        worker.exited,
        new Promise<never>((_, reject) => {
          guard = setTimeout(() =>
            reject(
              new Error(
                `stem worker did not exit within 60 s of SIGTERM after a restart:\n${worker.output()}`,
              ),
            ), 60_000);
        }),
      ]);
      console.log(
        `[restart storm postgres] SIGTERM to exit after a restart: ${Date.now() - sent} ms`,
      );
      assert.match(worker.output(), /SIGTERM: finishing in-flight tasks/);
      assert.match(worker.output(), /worker stem-worker-\S+ stopped/);
      assert.equal(code, 0, worker.output());
    } finally {
      clearTimeout(guard);
      worker.kill();
      await producer.close();
    }
  });
});
