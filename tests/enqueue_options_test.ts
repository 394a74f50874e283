import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler } from "../mod.ts";
import { fakeTimeApp, statusWhere } from "./helpers/app.ts";

const echo = new FunctionTaskHandler({
  name: "echo",
  entrypoint: (ctx, args) => ({ args, attempt: ctx.attempt, headers: ctx.headers, meta: ctx.meta }),
});

describe("Enqueue options", () => {
  test("countdown: a delayed task never starts early", async () => {
    const { app, clock } = await fakeTimeApp({ tasks: [echo] });
    const started: number[] = [];
    app.signals.taskStarted.connect(() => started.push(clock.now()));
    const enqueuedAt = clock.now();
    const id = await app.stem.enqueue("echo", { enqueueOptions: { countdown: "10s" } });
    assert.equal((await app.broker.counts("default")).delayed, 1);
    await clock.tick(9_999);
    assert.equal(started.length, 0);
    assert.equal((await app.backend.get(id))?.state, "queued");
    await clock.tick(1);
    await app.stem.waitForTask(id);
    assert.equal(started[0] - enqueuedAt, 10_000);
    await app.close();
  });

  test("eta wins over countdown and notBefore", async () => {
    const { app, clock } = await fakeTimeApp({ tasks: [echo] });
    const eta = clock.now() + 3_000;
    const id = await app.stem.enqueue("echo", {
      notBefore: clock.now() + 60_000,
      enqueueOptions: { eta: new Date(eta), countdown: "30s" },
    });
    await clock.tick(2_999);
    assert.equal((await app.backend.get(id))?.state, "queued");
    await clock.tick(1);
    assert.equal((await app.stem.waitForTask(id)).isSucceeded, true);
    await app.close();
  });

  test("expires: an expired task is not run and its status says why", async () => {
    let runs = 0;
    const { app, clock } = await fakeTimeApp({
      tasks: [new FunctionTaskHandler({ name: "timely", entrypoint: () => runs++ })],
    });
    const id = await app.stem.enqueue("timely", {
      enqueueOptions: { countdown: "1m", expires: "30s" },
    });
    await clock.tick(60_000);
    const status = await statusWhere(app, id, (s) => s.state === "cancelled");
    assert.equal(runs, 0);
    assert.equal(status.error?.type, "TaskExpiredError");
    assert.match(status.error!.message, /expired at/);
    assert.equal(status.meta.expired, true);
    await app.close();
  });

  test("link and linkError enqueue follow-ups on success and failure", async () => {
    const seen: string[] = [];
    const { app } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({ name: "ok", entrypoint: () => "fine" }),
        new FunctionTaskHandler({
          name: "bad",
          entrypoint: () => {
            throw new Error("nope");
          },
        }),
        new FunctionTaskHandler({
          name: "notify",
          entrypoint: (ctx, args) => {
            seen.push(`${args.kind}:${ctx.parentId !== undefined}`);
          },
        }),
      ],
    });
    const linkRuns = app.signals.taskSucceeded.next((p) => p.name === "notify");
    await app.stem.enqueue("ok", {
      enqueueOptions: {
        link: [{ name: "notify", args: { kind: "success" } }],
        linkError: [{ name: "notify", args: { kind: "error-on-ok" } }],
      },
    });
    await linkRuns;
    const errorRuns = app.signals.taskSucceeded.next((p) => p.name === "notify");
    await app.stem.enqueue("bad", {
      enqueueOptions: {
        link: [{ name: "notify", args: { kind: "success-on-bad" } }],
        linkError: [{ name: "notify", args: { kind: "error" } }],
      },
    });
    await errorRuns;
    assert.deepEqual(seen, ["success:true", "error:true"]);
    await app.close();
  });

  test("a duplicate explicit taskId is rejected with a clear error", async () => {
    const { app } = await fakeTimeApp({ tasks: [echo] });
    await app.stem.enqueue("echo", { enqueueOptions: { taskId: "order-42" } });
    await assert.rejects(
      () => app.stem.enqueue("echo", { enqueueOptions: { taskId: "order-42" } }),
      (e: Error & { code?: string }) =>
        e.name === "DuplicateTaskIdError" && e.code === "duplicate-task-id" &&
        e.message.includes('"order-42"'),
    );
    await app.close();
  });

  test("priority: higher runs first; out-of-range priorities are refused", async () => {
    const order: number[] = [];
    const { app } = await fakeTimeApp({
      concurrency: 1,
      tasks: [
        new FunctionTaskHandler({
          name: "p",
          entrypoint: (_ctx, args) => void order.push(args.p as number),
        }),
      ],
    });
    await app.worker.shutdown({ timeout: 0 });
    const ids: string[] = [];
    for (const p of [1, 9, 5]) {
      ids.push(await app.stem.enqueue("p", { args: { p }, enqueueOptions: { priority: p } }));
    }
    const { Worker } = await import("../mod.ts");
    const worker = new Worker({
      broker: app.broker,
      backend: app.backend,
      registry: app.registry,
      concurrency: 1,
      prefetch: 1,
    });
    await worker.start();
    for (const id of ids) await app.stem.waitForTask(id);
    assert.deepEqual(order, [9, 5, 1]);
    await worker.shutdown();
    await assert.rejects(() => app.stem.enqueue("p", { options: { priority: 12 } }), {
      name: "ValidationError",
      code: "validation-failed",
      message: /options\.priority: must be an integer from 0 to 9/,
    });
    await app.close();
  });

  test("queue override routes to another queue; headers and meta reach the handler and status", async () => {
    const { app } = await fakeTimeApp({ tasks: [echo], queues: ["default", "urgent"] });
    const id = await app.stem.enqueue("echo", {
      args: { a: 1 },
      headers: { tenant: "acme" },
      meta: { requestedBy: "finance" },
      enqueueOptions: { queue: "urgent" },
    });
    const result = await app.stem.waitForTask<{ headers: Record<string, string> }>(id);
    assert.equal(result.status?.meta.queue, "urgent");
    assert.equal(result.status?.meta.requestedBy, "finance");
    assert.equal(result.value?.headers.tenant, "acme");
    await app.close();
  });

  test("ignoreResult stores the status without the value", async () => {
    const { app } = await fakeTimeApp({ tasks: [echo] });
    const id = await app.stem.enqueue("echo", { enqueueOptions: { ignoreResult: true } });
    const result = await app.stem.waitForTask(id);
    assert.equal(result.isSucceeded, true);
    assert.equal(result.status?.result, null);
    await app.close();
  });

  test("acksLate: false acks before the handler runs (at-most-once)", async () => {
    let inflightDuringRun = -1;
    const { app } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "early",
          options: { acksLate: false },
          entrypoint: async () => {
            inflightDuringRun = (await app.broker.counts("default")).inflight;
          },
        }),
      ],
    });
    await app.stem.waitForTask(await app.stem.enqueue("early"));
    assert.equal(inflightDuringRun, 0);
    await app.close();
  });

  test("waitForTask times out with timedOut and requiredValue() explains", async () => {
    const { app, clock } = await fakeTimeApp({ tasks: [echo] });
    const id = await app.stem.enqueue("echo", { enqueueOptions: { countdown: "1h" } });
    const waiting = app.stem.waitForTask(id, { timeout: "5s" });
    await clock.tick(5_000);
    const result = await waiting;
    assert.equal(result.timedOut, true);
    assert.equal(result.state, "queued");
    assert.throws(() => result.requiredValue(), { name: "WaitTimeoutError" });
    await app.close();
  });

  test("enqueue retry: a failing publish is retried before giving up", async () => {
    const { app, clock } = await fakeTimeApp({ tasks: [echo] });
    let calls = 0;
    const original = app.broker.publish.bind(app.broker);
    app.broker.publish = (envelope) => {
      if (++calls < 3) return Promise.reject(new Error("connection reset"));
      return original(envelope);
    };
    const pending = app.stem.enqueue("echo", {
      enqueueOptions: {
        retry: true,
        retryPolicy: { maxRetries: 3, defaultDelay: 10, jitter: false },
      },
    });
    await clock.tick(100);
    const id = await pending;
    await clock.tick(0);
    assert.equal(calls, 3);
    assert.equal((await app.stem.waitForTask(id)).isSucceeded, true);
    await app.close();
  });
});
