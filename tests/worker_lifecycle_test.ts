import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, StemApp, type TaskContext } from "../mod.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";
import { fakeTimeApp, gate, statusWhere } from "./helpers/app.ts";

/** A handler body that ends only when its signal aborts (as a well-behaved handler does). */
function untilAborted(ctx: TaskContext): Promise<never> {
  return new Promise((_, reject) => {
    ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason), { once: true });
  });
}

describe("Worker time limits", () => {
  test("the soft limit emits taskSoftTimeLimit and the task still finishes", async () => {
    const release = gate();
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "slow",
          options: { softTimeLimit: "1s" },
          entrypoint: async () => {
            await release.promise;
            return "done";
          },
        }),
      ],
    });
    const soft = app.signals.taskSoftTimeLimit.next();
    const id = await app.stem.enqueue("slow");
    await statusWhere(app, id, (s) => s.state === "running");
    await clock.tick(1_000);
    assert.equal((await soft).limitMs, 1_000);
    release.open();
    assert.equal((await app.stem.waitForTask(id)).value, "done");
    await app.close();
  });

  test("the hard limit aborts ctx.signal and fails the task with TaskTimeoutError", async () => {
    let seen: AbortSignal | undefined;
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "stuck",
          options: { hardTimeLimit: "2s" },
          entrypoint: (ctx) => {
            seen = ctx.signal;
            return untilAborted(ctx);
          },
        }),
      ],
    });
    const id = await app.stem.enqueue("stuck");
    await statusWhere(app, id, (s) => s.state === "running");
    await clock.tick(2_000);
    const failed = await statusWhere(app, id, (s) => s.state === "failed");
    assert.equal(failed.error?.type, "TaskTimeoutError");
    assert.equal(seen?.aborted, true);
    assert.equal((seen?.reason as Error).name, "TaskTimeoutError");
    assert.equal(
      (await app.deadLetters.getDeadLetter("default", id))?.reason,
      "max-retries-exhausted",
    );
    await app.close();
  });

  test("a timed-out task is retried when it has retries left", async () => {
    let runs = 0;
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "sometimes.stuck",
          options: { hardTimeLimit: 100, maxRetries: 1, retryPolicy: { defaultDelay: 0 } },
          entrypoint: (ctx) => (++runs === 1 ? untilAborted(ctx) : "second time lucky"),
        }),
      ],
    });
    const id = await app.stem.enqueue("sometimes.stuck");
    await statusWhere(app, id, (s) => s.state === "running");
    await clock.tick(100);
    assert.equal((await app.stem.waitForTask(id)).value, "second time lucky");
    await app.close();
  });
});

describe("Worker leases", () => {
  test("a delivery whose consumer died is redelivered after its visibility timeout", async () => {
    const runs: number[] = [];
    const clock = new FakeClock();
    const app = await StemApp.inMemory({
      clock,
      autoStart: false, // the dead consumer below must take the delivery before the worker runs
      tasks: [
        new FunctionTaskHandler({
          name: "long",
          options: { visibilityTimeout: "1s" },
          entrypoint: (ctx) => void runs.push(ctx.attempt),
        }),
      ],
    });
    await app.stem.enqueue("long");
    // A consumer that takes the delivery and dies: nothing renews or settles its lease.
    const dead = new AbortController();
    const iterator = app.broker.consume({ queues: ["default"], signal: dead.signal })[
      Symbol.asyncIterator
    ]();
    assert.ok((await iterator.next()).value);
    dead.abort();
    await app.start();
    const started = app.signals.taskStarted.next();
    await clock.tick(1_000);
    await started;
    assert.deepEqual(runs, [0], "the lease expired and the worker ran the task");
    await app.close();
  });

  test("ctx.heartbeat() and ctx.extendLease() keep the lease", async () => {
    let ctxRef: TaskContext | undefined;
    const release = gate();
    let runs = 0;
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "long",
          options: { visibilityTimeout: "1s" },
          entrypoint: async (ctx) => {
            runs++;
            ctxRef = ctx;
            await release.promise;
            return "kept";
          },
        }),
      ],
    });
    const id = await app.stem.enqueue("long");
    await statusWhere(app, id, (s) => s.state === "running");
    await clock.tick(600);
    await ctxRef!.heartbeat();
    await clock.tick(900);
    await ctxRef!.extendLease("5s");
    await clock.tick(4_000);
    assert.equal(runs, 1, "no redelivery while the lease is kept");
    assert.equal((await app.broker.counts("default")).inflight, 1);
    release.open();
    assert.equal((await app.stem.waitForTask(id)).value, "kept");
    await app.close();
  });
});

describe("Worker concurrency and shutdown", () => {
  test("start() resolves when consuming and emits workerReady", async () => {
    const { app } = await fakeTimeApp({ tasks: [] });
    assert.equal(app.worker.running, true);
    await app.close();
    assert.equal(app.worker.running, false);
  });

  test("no more than `concurrency` tasks run at once", async () => {
    const release = gate();
    let running = 0;
    let peak = 0;
    const { app } = await fakeTimeApp({
      concurrency: 2,
      tasks: [
        new FunctionTaskHandler({
          name: "busy",
          entrypoint: async () => {
            peak = Math.max(peak, ++running);
            await release.promise;
            running--;
          },
        }),
      ],
    });
    const ids = await Promise.all([1, 2, 3, 4, 5].map(() => app.stem.enqueue("busy")));
    await statusWhere(app, ids[1], (s) => s.state === "running");
    assert.equal(app.worker.inflight, 2);
    release.open();
    for (const id of ids) await app.stem.waitForTask(id);
    assert.equal(peak, 2);
    await app.close();
  });

  test("shutdown() stops fetching and waits for in-flight tasks to finish", async () => {
    const release = gate();
    const { app } = await fakeTimeApp({
      concurrency: 1,
      tasks: [
        new FunctionTaskHandler({
          name: "job",
          entrypoint: async () => {
            await release.promise;
            return "finished";
          },
        }),
      ],
    });
    const first = await app.stem.enqueue("job");
    const second = await app.stem.enqueue("job");
    await statusWhere(app, first, (s) => s.state === "running");
    const stopping = app.signals.workerStopping.next();
    const shutdown = app.worker.shutdown({ timeout: "1m" });
    await stopping;
    release.open();
    await shutdown;
    assert.equal((await app.backend.get(first))?.state, "succeeded");
    assert.equal((await app.backend.get(second))?.state, "queued", "not started after shutdown");
    assert.equal((await app.broker.counts("default")).pending, 1, "returned to the queue");
    await app.close();
  });

  test("after the shutdown deadline unfinished tasks are aborted and returned to the queue", async () => {
    let signal: AbortSignal | undefined;
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "forever",
          entrypoint: (ctx) => {
            signal = ctx.signal;
            return new Promise(() => {});
          },
        }),
      ],
    });
    const id = await app.stem.enqueue("forever");
    await statusWhere(app, id, (s) => s.state === "running");
    const done = app.signals.workerShutdown.next();
    const shutdown = app.worker.shutdown({ timeout: "5s" });
    await clock.tick(5_000);
    await shutdown;
    assert.equal((await done).requeued, 1);
    assert.equal(signal?.aborted, true);
    const counts = await app.broker.counts("default");
    assert.equal(counts.pending, 1, "the task is back on the queue, not lost");
    assert.equal(counts.inflight, 0);
    await app.close();
  });

  test("a throwing signal listener never breaks the worker", async () => {
    const { app } = await fakeTimeApp({
      tasks: [new FunctionTaskHandler({ name: "ok", entrypoint: () => 1 })],
    });
    const errors: unknown[] = [];
    app.signals.taskStarted.onError((e) => errors.push(e));
    app.signals.taskStarted.connect(() => {
      throw new Error("listener bug");
    });
    app.signals.taskStarted.connect(() => Promise.reject(new Error("async listener bug")));
    const id = await app.stem.enqueue("ok");
    assert.equal((await app.stem.waitForTask(id)).value, 1);
    await Promise.resolve();
    assert.equal(errors.length, 2);
    await app.close();
  });

  test("worker heartbeats are written to the backend", async () => {
    const { app, clock } = await fakeTimeApp({ tasks: [], heartbeatInterval: "5s" });
    const beat = app.signals.workerHeartbeat.next();
    await clock.tick(0);
    assert.equal((await beat).workerId, app.worker.id);
    const stored = await app.backend.getWorkerHeartbeat(app.worker.id);
    assert.deepEqual(stored?.queues, ["default"]);
    await app.close();
  });
});
