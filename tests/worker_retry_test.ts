import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, Stem } from "../mod.ts";
import { fakeTimeApp, statusWhere } from "./helpers/app.ts";
import { record } from "./helpers/signals.ts";

describe("Worker retries", () => {
  test("a task that fails twice is retried with its policy delay and then succeeds", async () => {
    const attempts: number[] = [];
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "flaky",
          options: { maxRetries: 3, retryPolicy: { defaultDelay: 1_000, jitter: false } },
          entrypoint: (ctx) => {
            attempts.push(ctx.attempt);
            if (ctx.attempt < 2) throw new Error(`boom ${ctx.attempt}`);
            return "ok";
          },
        }),
      ],
    });
    const retries = record(app.signals.taskRetry);
    const retry1 = app.signals.taskRetry.next();
    const id = await app.stem.enqueue("flaky");
    assert.equal((await retry1).nextRetryAt, clock.now() + 1_000);
    const firstRetry = await app.backend.get(id);
    assert.equal(firstRetry?.state, "retried");
    assert.equal(firstRetry?.attempt, 0);
    assert.equal(firstRetry?.error?.message, "boom 0");
    assert.equal(firstRetry?.error?.retryable, true);
    await clock.tick(999);
    assert.deepEqual(attempts, [0], "the retry does not start before its delay");
    const retry2 = app.signals.taskRetry.next();
    await clock.tick(1);
    assert.equal((await retry2).attempt, 1);
    await clock.tick(1_000);
    const done = await statusWhere(app, id, (s) => s.state === "succeeded");
    assert.equal(done.attempt, 2);
    assert.equal(done.result, "ok");
    assert.deepEqual(attempts, [0, 1, 2]);
    assert.equal(retries.items.length, 2);
    await app.close();
  });

  test("without a policy the exponential jitter strategy picks the delay", async () => {
    const { app, clock } = await fakeTimeApp({
      random: () => 1,
      tasks: [
        new FunctionTaskHandler({
          name: "always.fails",
          options: { maxRetries: 2 },
          entrypoint: () => {
            throw new Error("nope");
          },
        }),
      ],
    });
    const retry1 = app.signals.taskRetry.next();
    const id = await app.stem.enqueue("always.fails");
    assert.equal((await retry1).nextRetryAt - clock.now(), 2_000, "base 2s on attempt 0");
    const retry2 = app.signals.taskRetry.next();
    await clock.tick(2_000);
    assert.equal((await retry2).nextRetryAt - clock.now(), 4_000, "doubles on attempt 1");
    await clock.tick(4_000);
    const failed = await statusWhere(app, id, (s) => s.state === "failed");
    assert.equal(failed.attempt, 2);
    await app.close();
  });

  test("after maxRetries the task fails and is dead-lettered with the last error", async () => {
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "doomed",
          options: { maxRetries: 1, retryPolicy: { defaultDelay: 10, jitter: false } },
          entrypoint: (ctx) => {
            throw new TypeError(`bad input on attempt ${ctx.attempt}`);
          },
        }),
      ],
    });
    const failure = app.signals.taskFailed.next();
    const retry = app.signals.taskRetry.next();
    const id = await app.stem.enqueue("doomed");
    await retry;
    await clock.tick(10);
    assert.equal((await failure).deadLetterReason, "max-retries-exhausted");
    const failed = (await app.backend.get(id))!;
    assert.equal(failed.error?.type, "TypeError");
    assert.equal(failed.error?.message, "bad input on attempt 1");
    assert.equal(failed.error?.retryable, false);
    const dead = await app.deadLetters.getDeadLetter("default", id);
    assert.equal(dead?.reason, "max-retries-exhausted");
    assert.match(String(dead?.meta.error), /bad input on attempt 1/);
    await app.close();
  });

  test("ctx.retry({ countdown }) schedules the next attempt; exhausted requests fail", async () => {
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "poll.upstream",
          options: { maxRetries: 1 },
          entrypoint: (ctx) => ctx.retry({ countdown: "30s" }),
        }),
      ],
    });
    const retry = app.signals.taskRetry.next();
    const id = await app.stem.enqueue("poll.upstream");
    assert.equal((await retry).nextRetryAt - clock.now(), 30_000);
    await clock.tick(30_000);
    const failed = await statusWhere(app, id, (s) => s.state === "failed");
    assert.equal(failed.error?.type, "RetryExhaustedError");
    assert.equal(failed.attempt, 1);
    await app.close();
  });

  test("enqueueOptions.retryPolicy overrides the task's retries", async () => {
    let runs = 0;
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "x",
          entrypoint: () => {
            runs++;
            throw new Error("x");
          },
        }),
      ],
    });
    const retry = app.signals.taskRetry.next();
    const id = await app.stem.enqueue("x", {
      enqueueOptions: { retryPolicy: { maxRetries: 1, defaultDelay: 5, jitter: false } },
    });
    await retry;
    await clock.tick(5);
    await statusWhere(app, id, (s) => s.state === "failed");
    assert.equal(runs, 2);
    await app.close();
  });

  test("an unknown task is failed with UnknownTaskError, dead-lettered, and the worker keeps going", async () => {
    const { app } = await fakeTimeApp({
      tasks: [new FunctionTaskHandler({ name: "known", entrypoint: () => "fine" })],
    });
    const rejected = app.signals.taskRejected.next();
    const rawProducer = new Stem({ broker: app.broker, backend: app.backend });
    const ghost = await rawProducer.enqueue("ghost.task", { args: { a: 1 } });
    const failed = await statusWhere(app, ghost, (s) => s.state === "failed");
    assert.equal(failed.error?.type, "UnknownTaskError");
    assert.match(failed.error!.message, /ghost\.task/);
    assert.equal((await app.deadLetters.getDeadLetter("default", ghost))?.reason, "unknown-task");
    assert.equal((await rejected).reason, "unknown-task");
    const ok = await app.stem.enqueue("known");
    assert.equal((await app.stem.waitForTask(ok)).value, "fine");
    await app.close();
  });

  test("replayed dead letters run again with a fresh attempt counter", async () => {
    let fail = true;
    const { app } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "fixable",
          entrypoint: (ctx) => {
            if (fail) throw new Error("down");
            return ctx.attempt;
          },
        }),
      ],
    });
    const failed = app.signals.taskFailed.next();
    const id = await app.stem.enqueue("fixable");
    await failed;
    fail = false;
    const replay = await app.deadLetters.replayDeadLetters("default");
    assert.equal(replay.entries.length, 1);
    const done = await statusWhere(app, id, (s) => s.state === "succeeded");
    assert.equal(done.result, 0);
    await app.close();
  });
});

describe("Worker and bad input", () => {
  test("a malformed message is dead-lettered with the reason and the worker keeps going", async () => {
    const { app } = await fakeTimeApp({
      tasks: [new FunctionTaskHandler({ name: "fine", entrypoint: () => "still working" })],
    });
    const { InMemoryBroker } = await import("../mod.ts");
    const broker = app.broker as InstanceType<typeof InMemoryBroker>;
    const rejected = app.signals.taskRejected.next();
    await broker.publishRaw("default", "{not json at all");
    await broker.publishRaw("default", JSON.stringify({ v: 1, id: "x", name: "" }));
    const first = await rejected;
    assert.equal(first.reason, "malformed-envelope");
    const id = await app.stem.enqueue("fine");
    assert.equal((await app.stem.waitForTask(id)).value, "still working");
    const dead = await app.deadLetters.listDeadLetters("default");
    assert.equal(dead.entries.length, 2);
    for (const entry of dead.entries) {
      assert.equal(entry.reason, "malformed-envelope");
      assert.ok(typeof entry.envelope.meta["stem.raw"] === "string", "the raw text is kept");
      assert.ok(String(entry.meta.error).length > 0);
    }
    assert.match(String(dead.entries[0].meta.error), /"name" must be a non-empty string/);
    await app.close();
  });
});
