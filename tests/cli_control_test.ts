// `stem worker ping | inspect | stats | revoke | pause | resume | shutdown | status` and
// `stem observe` as real CLI processes against a real redis-server (and one SQLite file): the
// commands reach an in-process worker over the event bus; `shutdown` stops a real `stem worker`
// process, which then exits.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { runCliAsync, startCli } from "./helpers/cli_process.ts";
import { gate } from "./helpers/app.ts";

const QUEUE = "ctlq";

function tasks(hold: Promise<void>) {
  return [
    new FunctionTaskHandler({
      name: "cc.quick",
      options: { queue: QUEUE },
      entrypoint: () => "ok",
    }),
    new FunctionTaskHandler({
      name: "cc.hold",
      options: { queue: QUEUE },
      entrypoint: async (ctx) => {
        await Promise.race([
          hold,
          new Promise((_, reject) =>
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
          ),
        ]);
        return "held";
      },
    }),
  ];
}

async function cli(args: string[]): Promise<{ status: number | null; out: string; err: string }> {
  const r = await runCliAsync(args);
  return { status: r.status, out: r.stdout, err: r.stderr };
}

describe("stem worker control commands (real Redis)", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  let url: string;
  let app: StemApp;
  const release = gate();
  const workerId = `cli-ctl-${Math.random().toString(36).slice(2, 8)}`;
  let held: string;

  before(async () => {
    redis = await startRedisServer();
    url = `redis://127.0.0.1:${redis.port}/0`;
    app = await StemApp.fromUrl(url, {
      tasks: tasks(release.promise),
      queues: [QUEUE],
      workerId,
      heartbeatInterval: 1_000,
    });
    await app.start();
    const quickDone = app.signals.taskSucceeded.next();
    await app.stem.enqueue("cc.quick");
    await quickDone;
    const holdStarted = app.signals.taskStarted.next();
    held = await app.stem.enqueue("cc.hold");
    await holdStarted;
  });
  after(async () => {
    release.open();
    await app?.close({ timeout: 0 });
    await redis?.stop();
  });

  test("ping lists the worker; a named worker that does not answer exits 70", async () => {
    const r = await cli(["worker", "ping", "--broker", url, "--json"]);
    assert.equal(r.status, 0, r.err);
    const result = JSON.parse(r.out) as { replies: { workerId: string }[] };
    assert.ok(result.replies.some((x) => x.workerId === workerId));
    const table = await cli(["worker", "ping", "--broker", url, "-w", workerId]);
    assert.equal(table.status, 0, table.err);
    assert.match(table.out, new RegExp(`${workerId}\\s+ok`));
    const ghost = await cli(["worker", "ping", "--broker", url, "-w", "ghost", "--timeout", "300"]);
    assert.equal(ghost.status, 70);
    assert.match(ghost.err, /worker ghost did not answer/);
    const bad = await cli(["worker", "ping", "--broker", url, "--timeout", "soon"]);
    assert.equal(bad.status, 64);
  });

  test("inspect shows the running task with its lease age; stats the counters", async () => {
    const r = await cli(["worker", "inspect", "--broker", url, "-w", workerId, "--json"]);
    assert.equal(r.status, 0, r.err);
    const reply = JSON.parse(r.out).replies[0];
    const running = reply.payload.running as { id: string; leaseAgeMs: number | null }[];
    assert.deepEqual(running.map((t) => t.id), [held]);
    assert.equal(typeof running[0].leaseAgeMs, "number");
    const s = await cli(["worker", "stats", "--broker", url, "-w", workerId, "--json"]);
    assert.equal(s.status, 0, s.err);
    const stats = JSON.parse(s.out).replies[0].payload;
    assert.equal(stats.processed, 1);
    assert.equal(stats.inflight, 1);
    assert.deepEqual(stats.inflightByQueue, { [QUEUE]: 1 });
    assert.equal(typeof stats.uptimeMs, "number");
    const table = await cli(["worker", "stats", "--broker", url, "-w", workerId]);
    assert.match(table.out, /CONCURRENCY/);
  });

  test("pause and resume persist the pause and the worker reports it", async () => {
    const p = await cli(["worker", "pause", "--broker", url, "-q", "other", "--reason", "x"]);
    assert.equal(p.status, 0, p.err);
    assert.deepEqual((await app.control.pausedQueues()).map((q) => q.queue), ["other"]);
    const missing = await cli(["worker", "pause", "--broker", url]);
    assert.equal(missing.status, 64);
    assert.match(missing.err, /--queue is required/);
    const r = await cli(["worker", "resume", "--broker", url, "-q", "other", "--json"]);
    assert.equal(r.status, 0, r.err);
    assert.deepEqual(await app.control.pausedQueues(), []);
  });

  test("revoke persists the revocation and terminates the running task", async () => {
    const cancelled = app.signals.taskCancelled.next();
    const r = await cli(["worker", "revoke", "--broker", url, "-t", held, "--terminate"]);
    assert.equal(r.status, 0, r.err);
    assert.match(r.out, new RegExp(`revoked ${held}`));
    assert.equal((await app.revokes.get(held))?.terminate, true);
    assert.equal((await cancelled).id, held);
    const none = await cli(["worker", "revoke", "--broker", url]);
    assert.equal(none.status, 64);
  });

  test("status lists heartbeats; --follow refreshes; observe prints queues and workers", async () => {
    const r = await cli(["worker", "status", "--broker", url, "--json"]);
    assert.equal(r.status, 0, r.err);
    assert.ok((JSON.parse(r.out) as { workerId: string }[]).some((w) => w.workerId === workerId));
    const f = await cli([
      "worker",
      "status",
      "--broker",
      url,
      "--follow",
      "--count",
      "2",
      "--interval",
      "50",
    ]);
    assert.equal(f.status, 0, f.err);
    assert.equal(f.out.match(/^-- /gm)?.length, 2);
    const o = await cli(["observe", "--broker", url, "--once"]);
    assert.equal(o.status, 0, o.err);
    assert.match(o.out, new RegExp(`${QUEUE}\\s+\\d+\\s+\\d+`));
    assert.match(o.out, new RegExp(`${workerId}\\s+online`));
    const j = await cli(["observe", "--broker", url, "--count", "2", "--interval", "50", "--json"]);
    assert.equal(j.status, 0, j.err);
    assert.equal(j.out.match(/"at":/g)?.length, 2);
  });

  test("shutdown stops a real `stem worker` process, which exits", async () => {
    const worker = startCli(["worker", "tests/fixtures/cli_tasks.ts", "--broker", url]);
    try {
      const line = await worker.line(/consuming/);
      const id = /worker (\S+) consuming/.exec(line)![1];
      const r = await cli(["worker", "shutdown", "--broker", url, "-w", id, "--mode", "warm"]);
      assert.equal(r.status, 0, r.err);
      assert.match(r.out, new RegExp(`${id}\\s+warm`));
      assert.equal(await worker.exited, 0);
      assert.match(worker.output(), /shut down by a control command/);
      const bad = await cli(["worker", "shutdown", "--broker", url, "--mode", "gentle"]);
      assert.equal(bad.status, 64);
    } finally {
      worker.kill();
    }
  });
});

describe("stem worker control on SQLite (another process on the same file)", () => {
  const dir = mkdtempSync(join(tmpdir(), "stem-cli-control-"));
  const url = `sqlite:${join(dir, "stem.db")}`;
  let app: StemApp;
  const workerId = "sqlite-cli-worker";

  before(async () => {
    app = await StemApp.fromUrl(url, {
      tasks: tasks(Promise.resolve()),
      queues: [QUEUE],
      workerId,
    });
    await app.start();
  });
  after(async () => {
    await app?.close({ timeout: 0 });
    rmSync(dir, { recursive: true, force: true });
  });

  test("ping, pause (the worker reports it paused) and shutdown reach the worker", async () => {
    const ping = await cli(["worker", "ping", "--broker", url, "-w", workerId, "--json"]);
    assert.equal(ping.status, 0, ping.err);
    assert.equal(JSON.parse(ping.out).replies[0].workerId, workerId);
    const pause = await cli(["worker", "pause", "--broker", url, "-q", QUEUE, "--json"]);
    assert.equal(pause.status, 0, pause.err);
    const reply = JSON.parse(pause.out).replies.find((r: { workerId: string }) =>
      r.workerId === workerId
    );
    assert.deepEqual(reply.payload.paused, [QUEUE]);
    assert.deepEqual(app.worker.pausedQueues, [QUEUE]);
    const stopped = app.signals.workerShutdown.next();
    const down = await cli([
      "worker",
      "shutdown",
      "--broker",
      url,
      "-w",
      workerId,
      "--mode",
      "hard",
    ]);
    assert.equal(down.status, 0, down.err);
    assert.equal((await stopped).workerId, workerId);
  });
});
