import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type Envelope,
  FunctionTaskHandler,
  InMemoryBroker,
  InMemoryResultBackend,
  SimpleTaskRegistry,
  Stem,
  type TaskContext,
  Worker,
} from "../mod.ts";
import { FakeClock } from "../src/testing/mod.ts";
import { fakeTimeApp, statusWhere } from "./helpers/app.ts";

describe("Worker robustness", () => {
  test("shutdown keeps its deadline even when every slot is busy with a task that ignores abort", async () => {
    const { app, clock } = await fakeTimeApp({
      concurrency: 1,
      prefetch: 4,
      tasks: [
        new FunctionTaskHandler({ name: "stubborn", entrypoint: () => new Promise(() => {}) }),
      ],
    });
    const first = await app.stem.enqueue("stubborn");
    await app.stem.enqueue("stubborn");
    await statusWhere(app, first, (s) => s.state === "running");
    let finished = false;
    const shutdown = app.worker.shutdown({ timeout: "2s" }).then(() => (finished = true));
    await clock.tick(1_999);
    assert.equal(finished, false);
    await clock.tick(1);
    await shutdown;
    const counts = await app.broker.counts("default");
    assert.deepEqual({ pending: counts.pending, inflight: counts.inflight }, {
      pending: 2,
      inflight: 0,
    });
    await app.close();
  });

  test("a forced shutdown writes no failure and runs no linkError: the task simply runs again", async () => {
    let runs = 0;
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "long",
          entrypoint: (ctx) =>
            new Promise((_, reject) =>
              ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
            ),
        }),
        new FunctionTaskHandler({ name: "on.error", entrypoint: () => void runs++ }),
      ],
    });
    const failed = app.signals.taskFailed.next();
    let failures = 0;
    failed.then(() => failures++);
    const id = await app.stem.enqueue("long", {
      enqueueOptions: { linkError: [{ name: "on.error" }] },
    });
    await statusWhere(app, id, (s) => s.state === "running");
    const shutdown = app.worker.shutdown({ timeout: "1s" });
    await clock.tick(1_000);
    await shutdown;
    await clock.tick(0);
    assert.equal(
      (await app.backend.get(id))?.state,
      "queued",
      "no failed/retried status written; the requeue reset it to queued",
    );
    assert.equal(failures, 0);
    assert.equal((await app.broker.counts("default")).pending, 1, "the task is back on the queue");
    assert.equal(runs, 0, "linkError did not fire");
    await app.close();
  });

  test("acksLate: false acks before running, yet retries still happen", async () => {
    let runs = 0;
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "early",
          options: {
            acksLate: false,
            maxRetries: 1,
            retryPolicy: { defaultDelay: 100, jitter: false },
          },
          entrypoint: () => {
            if (++runs === 1) throw new Error("first run fails");
            return "second run";
          },
        }),
      ],
    });
    const retry = app.signals.taskRetry.next();
    const id = await app.stem.enqueue("early");
    await retry;
    await clock.tick(100);
    assert.equal((await app.stem.waitForTask(id)).value, "second run");
    assert.equal(runs, 2);
    await app.close();
  });

  test("a handler still running after its hard limit cannot overwrite the failed status", async () => {
    let ctxRef: TaskContext | undefined;
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "zombie",
          options: { hardTimeLimit: "1s" },
          entrypoint: (ctx) => {
            ctxRef = ctx;
            return new Promise(() => {});
          },
        }),
      ],
    });
    const id = await app.stem.enqueue("zombie");
    await statusWhere(app, id, (s) => s.state === "running");
    await clock.tick(1_000);
    await statusWhere(app, id, (s) => s.state === "failed");
    await ctxRef!.progress(99);
    await assert.rejects(() => ctxRef!.enqueue("zombie"), { code: "task-finished" });
    assert.equal((await app.backend.get(id))?.state, "failed");
    // The zombie still holds its slot, so closing waits out the shutdown deadline.
    const closed = app.close({ timeout: "1s" });
    await clock.tick(1_000);
    await closed;
  });

  test("a link that fails to publish is not lost: the delivery is redelivered and the link runs", async () => {
    const clock = new FakeClock();
    let failNext = true;
    class FlakyBroker extends InMemoryBroker {
      override publish(e: Envelope): Promise<void> {
        if (e.name === "next" && failNext) {
          failNext = false;
          return Promise.reject(new Error("broker hiccup"));
        }
        return super.publish(e);
      }
    }
    const broker = new FlakyBroker({ clock, defaultVisibilityTimeout: "5s" });
    const backend = new InMemoryResultBackend({ clock });
    let nextRuns = 0;
    const registry = new SimpleTaskRegistry([
      new FunctionTaskHandler({ name: "first", entrypoint: () => 1 }),
      new FunctionTaskHandler({ name: "next", entrypoint: () => void nextRuns++ }),
    ]);
    const stem = new Stem({ broker, backend, registry, clock });
    const worker = new Worker({ broker, backend, registry, clock });
    await worker.start();
    const id = await stem.enqueue("first", { enqueueOptions: { link: [{ name: "next" }] } });
    await clock.tick(0);
    assert.equal(
      (await broker.counts("default")).inflight,
      1,
      "not acked while its link is unpublished",
    );
    await clock.tick(5_000);
    const linkId = `${id}:link:0`;
    await stem.waitForTask(linkId);
    assert.equal(nextRuns, 1);
    assert.equal((await broker.counts("default")).inflight, 0);
    await worker.shutdown();
  });

  test("concurrent enqueues of one explicit taskId: exactly one wins", async () => {
    const { app } = await fakeTimeApp({
      tasks: [new FunctionTaskHandler({ name: "once", entrypoint: () => 1 })],
    });
    await app.worker.shutdown();
    const results = await Promise.allSettled([
      app.stem.enqueue("once", { enqueueOptions: { taskId: "same" } }),
      app.stem.enqueue("once", { enqueueOptions: { taskId: "same" } }),
    ]);
    assert.deepEqual(results.map((r) => r.status).sort(), ["fulfilled", "rejected"]);
    await assert.rejects(
      () =>
        app.stem.enqueueMany([
          { name: "once", enqueueOptions: { taskId: "batch" } },
          { name: "once", enqueueOptions: { taskId: "batch" } },
        ]),
      { name: "DuplicateTaskIdError" },
    );
    assert.equal((await app.broker.counts("default")).pending, 1);
    await app.close();
  });

  test("a throwing status watcher does not stop the worker from acking", async () => {
    const { app, clock } = await fakeTimeApp({
      tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => "ok" })],
    });
    const id = await app.stem.enqueue("t", { enqueueOptions: { countdown: 10 } });
    await app.backend.watch(id, () => {
      throw new Error("buggy watcher");
    });
    const done = app.signals.taskSucceeded.next();
    await clock.tick(10);
    await done;
    assert.equal((await app.broker.counts("default")).inflight, 0);
    await app.close();
  });
});
