// The operations commands as real CLI processes against a real redis-server: health, queues,
// workers, task show/enqueue and dlq list/show/replay/purge. An in-process worker runs the tasks.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { runCli, startCli } from "./helpers/cli_process.ts";
import { workerView } from "../src/inspect/worker_overview.ts";
import { readFileSync } from "node:fs";

const QUEUE = "ops";

function json(args: string[]): unknown {
  const r = runCli([...args, "--json"]);
  assert.equal(r.status, 0, `stem ${args.join(" ")}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test("a worker is offline once it has missed two heartbeats of its own interval", () => {
  const beat = { workerId: "w", timestamp: 1_000, inflight: 0, queues: ["q"] };
  const stated = { ...beat, extras: { heartbeatIntervalMs: 500 } };
  assert.equal(workerView(stated, 2_000).online, true);
  assert.equal(workerView(stated, 2_001).online, false);
  // Without a stated interval, the default of 10 s applies.
  assert.equal(workerView(beat, 21_000).online, true);
  assert.equal(workerView(beat, 21_001).online, false);
});

describe("stem operations commands (real Redis)", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  let url: string;
  let app: StemApp;
  let okId: string;
  let failedId: string;

  before(async () => {
    redis = await startRedisServer();
    url = `redis://127.0.0.1:${redis.port}/0`;
    app = await StemApp.fromUrl(url, {
      queues: [QUEUE],
      tasks: [
        new FunctionTaskHandler({
          name: "ops.double",
          options: { queue: QUEUE },
          entrypoint: (_ctx, args) => Number(args.n) * 2,
        }),
        new FunctionTaskHandler({
          name: "ops.broken",
          options: { queue: QUEUE, maxRetries: 0 },
          entrypoint: () => {
            throw new Error("the printer is on fire");
          },
        }),
      ],
    });
    okId = await app.stem.enqueue("ops.double", { args: { n: 21 } });
    failedId = await app.stem.enqueue("ops.broken");
    assert.equal((await app.stem.waitForTask(okId, { timeout: "20s" })).value, 42);
    assert.equal((await app.stem.waitForTask(failedId, { timeout: "20s" })).state, "failed");
  });
  after(async () => {
    await app?.close();
    await redis?.stop();
  });

  test("health probes every store and exits 0; an unreachable broker exits 70 with one line", () => {
    const report = json(["health", "--broker", url]) as {
      ok: boolean;
      probes: { store: string; ok: boolean }[];
    };
    assert.equal(report.ok, true);
    assert.deepEqual(report.probes.map((p) => [p.store, p.ok]), [
      ["broker", true],
      ["statuses", true],
      ["heartbeats", true],
      ["kv", true],
    ]);
    const down = runCli(["health", "--broker", "redis://127.0.0.1:1/0"]);
    assert.equal(down.status, 70);
    assert.match(down.stderr, /^stem health: Could not connect to Redis/m);
  });

  test("queues shows the dead task and the live worker of a consumed queue", () => {
    const rows = json(["queues", "--broker", url]) as {
      queue: string;
      pending: number;
      dead: number;
      workers: number;
    }[];
    const ops = rows.find((r) => r.queue === QUEUE);
    assert.ok(ops, JSON.stringify(rows));
    assert.equal(ops.dead, 1);
    assert.equal(ops.pending, 0);
    assert.equal(ops.workers, 1);
    const table = runCli(["queues", "--broker", url]);
    assert.match(table.stdout, /^QUEUE\s+PENDING\s+INFLIGHT\s+DELAYED\s+DEAD\s+WORKERS$/m);
    assert.match(table.stdout, new RegExp(`^${QUEUE}\\s+0\\s+0\\s+0\\s+1\\s+1$`, "m"));
  });

  test("workers lists the running worker as online with its queues", () => {
    const workers = json(["workers", "--broker", url]) as {
      workerId: string;
      online: boolean;
      queues: string[];
    }[];
    assert.equal(workers.length, 1);
    assert.equal(workers[0].workerId, app.worker.id);
    assert.equal(workers[0].online, true);
    assert.deepEqual(workers[0].queues, [QUEUE]);
  });

  test("a worker process reports its pid, runtime and Stem version in its heartbeat", async () => {
    const worker = startCli(["worker", "tests/fixtures/cli_tasks.ts", "--broker", url]);
    try {
      await worker.line(/consuming/);
      const workers = json(["workers", "--broker", url]) as {
        workerId: string;
        extras: Record<string, unknown>;
      }[];
      const other = workers.find((w) => w.workerId !== app.worker.id);
      assert.ok(other, JSON.stringify(workers));
      assert.equal(other.extras.pid, worker.child.pid);
      assert.match(String(other.extras.runtime), /^(deno|bun)$/);
      const version = JSON.parse(readFileSync("deno.json", "utf8")).version;
      assert.equal(other.extras.stemVersion, version);
      assert.deepEqual(other.extras.runningTaskIds, []);
      worker.child.kill("SIGTERM");
      await worker.exited;
    } finally {
      worker.kill();
    }
  });

  test("task show prints the decoded result or the error; an unknown id exits 64", () => {
    const ok = json(["task", "show", okId, "--broker", url]) as { state: string; result: unknown };
    assert.equal(ok.state, "succeeded");
    assert.equal(ok.result, 42);
    const failed = json(["task", "show", failedId, "--broker", url]) as {
      error: { message: string };
    };
    assert.match(failed.error.message, /printer is on fire/);
    const missing = runCli(["task", "show", "no-such-task", "--broker", url]);
    assert.equal(missing.status, 64);
    assert.match(missing.stderr, /No task "no-such-task"/);
  });

  test("task enqueue runs a task by name on a queue and --wait prints its result; bad --args exits 64", async () => {
    // Started without blocking: the worker that runs the task lives in this process.
    const cli = startCli([
      "task",
      "enqueue",
      "ops.double",
      "--args",
      '{"n":5}',
      "--queue",
      QUEUE,
      "--wait",
      "20s",
      "--broker",
      url,
      "--json",
    ]);
    try {
      assert.equal(await cli.exited, 0, cli.output());
    } finally {
      cli.kill();
    }
    const view = JSON.parse(cli.output()) as { state: string; result: unknown };
    assert.equal(view.state, "succeeded");
    assert.equal(view.result, 10);
    const bad = runCli(["task", "enqueue", "ops.double", "--args", "{n:5}", "--broker", url]);
    assert.equal(bad.status, 64);
    assert.match(bad.stderr, /--args must be JSON/);
  });

  test("task revoke persists a revocation and cancels a task that has not run", async () => {
    const waiting = await app.stem.enqueue("ops.double", {
      args: { n: 1 },
      enqueueOptions: { countdown: "1h" },
    });
    const revoked = json([
      "task",
      "revoke",
      waiting,
      "--reason",
      "not needed",
      "--broker",
      url,
    ]) as {
      taskId: string;
      reason: string;
      state: string;
    };
    assert.equal(revoked.taskId, waiting);
    assert.equal(revoked.reason, "not needed");
    assert.equal(revoked.state, "cancelled");
    assert.equal((await app.revokes.get(waiting))?.reason, "not needed");
  });

  test("dlq list, show, replay --dry-run, replay and purge", async () => {
    const base = ["--queue", QUEUE, "--broker", url];
    const listed = json(["dlq", "list", ...base]) as { entries: { id: string; reason: string }[] };
    assert.deepEqual(listed.entries.map((e) => e.id), [failedId]);
    const shown = json(["dlq", "show", failedId, ...base]) as {
      name: string;
      meta: { error: string };
    };
    assert.equal(shown.name, "ops.broken");
    assert.match(shown.meta.error, /printer is on fire/);

    const dry = json(["dlq", "replay", "--dry-run", ...base]) as { entries: unknown[] };
    assert.equal(dry.entries.length, 1);
    assert.equal((json(["dlq", "list", ...base]) as { entries: unknown[] }).entries.length, 1);

    // Replayed, the task runs again on the worker and fails again: back in the dead-letter queue.
    const before = (await app.stem.getTaskStatus(failedId))!.timestamps.finishedAt;
    const replayed = json(["dlq", "replay", ...base]) as { entries: unknown[] };
    assert.equal(replayed.entries.length, 1);
    for (let i = 0; i < 400; i++) {
      const status = await app.stem.getTaskStatus(failedId);
      const dead = await app.deadLetters.getDeadLetter(QUEUE, failedId);
      if (status?.state === "failed" && status.timestamps.finishedAt !== before && dead) break;
      await app.stem.waitForTask(failedId, { timeout: "50ms" }).catch(() => {});
    }
    assert.notEqual((await app.stem.getTaskStatus(failedId))!.timestamps.finishedAt, before);

    const purged = json(["dlq", "purge", ...base]) as { purged: number };
    assert.equal(purged.purged, 1);
    assert.deepEqual((json(["dlq", "list", ...base]) as { entries: unknown[] }).entries, []);
    const gone = runCli(["dlq", "show", failedId, ...base]);
    assert.equal(gone.status, 64);
  });
});
