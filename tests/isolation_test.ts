// Isolated tasks (docs/isolation.md) on the runtime's own runner: Web Workers on Bun, `deno run`
// subprocesses on Deno. Each test starts a fresh app, so the pool's counters are its own.
import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { StemApp, type StemAppOptions } from "../mod.ts";
import type { JsonValue } from "../src/core/envelope.ts";
import { ErrorCode } from "../src/core/error_codes.ts";
import { tasks } from "./fixtures/isolate_tasks.ts";
import { statusWhere } from "./helpers/app.ts";
import { defaultIsolatedRunner, webWorkerRunner } from "../workers/isolate/mod.ts";
import { IsolatePool } from "../src/isolate/isolate_pool.ts";
import { systemClock } from "../src/core/clock.ts";

const TASKS = new URL("./fixtures/isolate_tasks.ts", import.meta.url);
let open: StemApp[] = [];

async function isolatedApp(
  isolate: Partial<NonNullable<StemAppOptions["isolate"]>> = {},
): Promise<StemApp> {
  const app = await StemApp.inMemory({ tasks, isolate: { tasks: TASKS, size: 1, ...isolate } });
  open.push(app);
  return app;
}

async function run(app: StemApp, name: string, args: Record<string, JsonValue> = {}) {
  const id = await app.stem.enqueue(name, { args });
  const result = await app.stem.waitForTask<Record<string, JsonValue>>(id, { timeout: "20s" });
  assert.ok(!result.timedOut, `${name} finished`);
  return { id, result, status: result.status! };
}

async function isolateIdOf(app: StemApp): Promise<string> {
  const { result } = await run(app, "iso.state");
  return String(result.value!.isolateId);
}

afterEach(async () => {
  await Promise.all(open.map((app) => app.close({ timeout: 0 })));
  open = [];
});

describe("isolated tasks", () => {
  test("args, result, progress, heartbeats, lease extension and child enqueues cross the boundary", async () => {
    const app = await isolatedApp();
    const progress: { percent: number; data: unknown }[] = [];
    app.signals.taskProgress.connect((p) => progress.push({ percent: p.percent, data: p.data }));
    const { id, result } = await run(app, "iso.echo", { n: 7, list: ["a", { b: true }] });
    assert.equal(result.status?.state, "succeeded");
    const value = result.value!;
    assert.deepEqual(value.args, { n: 7, list: ["a", { b: true }] });
    assert.equal(value.name, "iso.echo");
    assert.equal(value.attempt, 0);
    assert.deepEqual(progress, [{ percent: 50, data: { step: "half" } }]);
    const child = await app.stem.waitForTask<{ childOf: string }>(String(value.child), {
      timeout: "5s",
    });
    assert.deepEqual(child.value, { childOf: id });
  });

  test("an unserialisable result fails the task once, with a typed error naming the path", async () => {
    const app = await isolatedApp();
    const { status } = await run(app, "iso.fn");
    assert.equal(status.state, "failed");
    assert.equal(status.error?.code, ErrorCode.isolateUnserializable);
    assert.match(status.error!.message, /result\.save cannot cross: a function/);
    assert.equal(status.attempt, 0);
  });

  test("a busy loop is killed at its hard limit, counted as a timeout; the next task runs in a fresh isolate", async () => {
    const app = await isolatedApp();
    const { result: first } = await run(app, "iso.state");
    const before = String(first.value!.isolateId);
    const { status } = await run(app, "iso.spin");
    assert.equal(status.state, "failed");
    assert.equal(status.error?.code, ErrorCode.taskTimeout);
    const after = await isolateIdOf(app);
    assert.notEqual(after, before);
    const stats = app.worker.isolates!;
    assert.equal(stats.killed, 1);
    assert.equal(stats.started, 2);
    // The killed isolate is gone: only the fresh one is live.
    assert.equal(stats.busy + stats.idle, 1);
    if (first.value!.pid !== process.pid) {
      // A subprocess isolate (Deno): the killed process, and its memory, are gone.
      assert.throws(() => process.kill(Number(first.value!.pid), 0), { code: "ESRCH" });
    }
  });

  test("ctx.signal aborts inside the isolate: a task that stops within the grace keeps its isolate", async () => {
    const app = await isolatedApp();
    const before = await isolateIdOf(app);
    const { status } = await run(app, "iso.cooperative");
    assert.equal(status.error?.code, ErrorCode.taskTimeout);
    const { result } = await run(app, "iso.state");
    assert.equal(result.value!.isolateId, before);
    assert.match(String(result.value!.lastAbort), /exceeded its hard time limit of 300 ms/);
    assert.equal(app.worker.isolates!.killed, 0);
  });

  test("revoking with terminate kills an isolated busy loop; the pool serves the next task", async () => {
    const app = await isolatedApp();
    const id = await app.stem.enqueue("iso.spinForever");
    await statusWhere(app, id, (s) => s.state === "running");
    await app.revoke(id, { terminate: true, reason: "stop it" });
    await statusWhere(app, id, (s) => s.state === "cancelled");
    await isolateIdOf(app);
    assert.equal(app.worker.isolates!.killed, 1);
  });

  test("a crashed isolate fails only its own task, which is retried on a fresh one", async () => {
    const app = await isolatedApp({ size: 2 });
    const [crash, echo] = await Promise.all([run(app, "iso.crash"), run(app, "iso.echo")]);
    assert.equal(crash.status.state, "succeeded");
    assert.equal(crash.status.attempt, 1);
    assert.equal(echo.status.state, "succeeded");
    assert.equal(echo.result.value!.attempt, 0);
    const stats = app.worker.isolates!;
    assert.equal(stats.crashed, 1);
    assert.ok(stats.started >= 2);
  });

  test("isolates are recycled after maxTasksPerIsolate tasks", async () => {
    const app = await isolatedApp({ maxTasksPerIsolate: 2 });
    const ids = [];
    // The fifth waits for the pool's one slot, which frees once the fourth's isolate is retired.
    for (let i = 0; i < 5; i++) ids.push(await isolateIdOf(app));
    assert.equal(ids[0], ids[1]);
    assert.equal(ids[2], ids[3]);
    assert.notEqual(ids[1], ids[2]);
    assert.notEqual(ids[3], ids[4]);
    assert.equal(app.worker.isolates!.recycled, 2);
  });

  test("isolates are recycled once the memory they report passes maxIsolateMemory", async () => {
    const roomy = await isolatedApp({ maxIsolateMemory: 1_000_000 });
    assert.equal(await isolateIdOf(roomy), await isolateIdOf(roomy));
    assert.equal(roomy.worker.isolates!.recycled, 0);
    // Every isolate uses more than a kilobyte, so each task gets a fresh one.
    const tight = await isolatedApp({ maxIsolateMemory: 0.001 });
    const first = await run(tight, "iso.hoard");
    const second = await run(tight, "iso.hoard");
    const third = await run(tight, "iso.hoard");
    assert.notEqual(first.result.value, second.result.value);
    assert.notEqual(second.result.value, third.result.value);
    assert.equal(tight.worker.isolates!.recycled, 2);
  });

  test("a task marked isolated on a worker without a pool fails with a clear error", async () => {
    const app = await StemApp.inMemory({ tasks });
    open.push(app);
    const { status } = await run(app, "iso.state");
    assert.equal(status.state, "failed");
    assert.equal(status.error?.code, ErrorCode.isolationUnavailable);
    assert.match(status.error!.message, /isolate: \{ tasks:/);
  });

  test("a tasks module that cannot serve fails the task once with IsolateStartError", async () => {
    const app = await isolatedApp({
      tasks: new URL("./fixtures/isolate_broken_tasks.ts", import.meta.url),
    });
    const { status } = await run(app, "iso.state");
    assert.equal(status.state, "failed");
    assert.equal(status.error?.code, ErrorCode.isolateStartFailed);
    assert.match(status.error!.message, /must export "tasks"/);
    assert.equal(app.worker.isolates!.started, 0);
  });

  test("the Web Worker runner (Deno's optional mode) carries the same protocol", async () => {
    const killsBusyLoops = "Bun" in globalThis;
    const app = await isolatedApp({ runner: webWorkerRunner({ killsBusyLoops }) });
    const { result } = await run(app, "iso.echo", { n: 1 });
    assert.deepEqual(result.value!.args, { n: 1 });
    const { status } = await run(app, "iso.cooperative");
    assert.equal(status.error?.code, ErrorCode.taskTimeout);
    const state = await run(app, "iso.state");
    assert.match(String(state.result.value!.lastAbort), /hard time limit/);
  });

  test("warm() starts every isolate up front; the tasks then find them idle", async () => {
    const pool = new IsolatePool({ tasks: TASKS, size: 2, runner: defaultIsolatedRunner }, {
      clock: systemClock,
    });
    try {
      await pool.warm();
      assert.deepEqual(
        { started: pool.stats().started, idle: pool.stats().idle, busy: pool.stats().busy },
        { started: 2, idle: 2, busy: 0 },
      );
      const slot = await pool.acquire(new AbortController().signal);
      assert.equal(pool.stats().started, 2, "no new isolate for the first task");
      await slot.release();
    } finally {
      await pool.close();
    }
    assert.equal(pool.stats().idle + pool.stats().busy, 0);
  });
});
