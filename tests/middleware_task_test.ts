import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  composeEnqueue,
  FunctionTaskHandler,
  StemError,
  type TaskMiddleware,
  type TaskOutcome,
} from "../mod.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
import { fakeTimeApp, statusWhere } from "./helpers/app.ts";

function tracer(name: string, log: string[]): TaskMiddleware {
  return {
    async onConsume(_delivery, next) {
      log.push(`${name}:consume:in`);
      await next();
      log.push(`${name}:consume:out`);
    },
    async onExecute(ctx, next) {
      log.push(`${name}:execute:in:${ctx.name}`);
      const result = await next();
      log.push(`${name}:execute:out`);
      return result;
    },
    async onOutcome(outcome, next) {
      log.push(`${name}:outcome:${outcome.kind}`);
      await next();
    },
  };
}

describe("Task middleware", () => {
  test("hooks compose in order, the first middleware outermost", async () => {
    const log: string[] = [];
    const { app } = await fakeTimeApp({
      middleware: [tracer("a", log), tracer("b", log)],
      tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => void log.push("handler") })],
    });
    const id = await app.stem.enqueue("t");
    await app.stem.waitForTask(id);
    await app.close();
    assert.deepEqual(log, [
      "a:consume:in",
      "b:consume:in",
      "a:execute:in:t",
      "b:execute:in:t",
      "handler",
      "b:execute:out",
      "a:execute:out",
      "a:outcome:succeeded",
      "b:outcome:succeeded",
      "b:consume:out",
      "a:consume:out",
    ]);
  });

  test("consumesDelivery limits onConsume to the deliveries it names", async () => {
    const log: string[] = [];
    const onlyMarked: TaskMiddleware = {
      consumesDelivery: (delivery) => delivery.envelope.meta.marked === true,
      async onConsume(delivery, next) {
        log.push(`consume:${delivery.envelope.name}`);
        await next();
      },
    };
    const { app } = await fakeTimeApp({
      middleware: [onlyMarked, tracer("t", log)],
      tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => void log.push("handler") })],
    });
    const plain = await app.stem.enqueue("t");
    await app.stem.waitForTask(plain);
    const marked = await app.stem.enqueue("t", { meta: { marked: true } });
    await app.stem.waitForTask(marked);
    await app.close();
    assert.equal(log.filter((l) => l === "consume:t").length, 1, log.join(" "));
    assert.equal(log.filter((l) => l === "t:consume:in").length, 2, "unfiltered hooks still run");
    assert.equal(log.filter((l) => l === "handler").length, 2);
  });

  test("onExecute's return value is the stored result", async () => {
    const { app } = await fakeTimeApp({
      middleware: [{ onExecute: async (_ctx, next) => `wrapped ${await next()}` }],
      tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => "value" })],
    });
    const id = await app.stem.enqueue("t");
    assert.equal((await app.stem.waitForTask(id)).value, "wrapped value");
    await app.close();
  });

  test("an onConsume that throws rejects the delivery: terminal status and a dead letter, never run", async () => {
    let runs = 0;
    const { app } = await fakeTimeApp({
      middleware: [{
        onConsume: (delivery, next) => {
          if (delivery.envelope.headers["x-tenant"] === "banned") {
            throw new StemError("tenant-banned", "Tenant is banned.");
          }
          return next();
        },
      }],
      tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => ++runs })],
    });
    const id = await app.stem.enqueue("t", { headers: { "x-tenant": "banned" } });
    const result = await app.stem.waitForTask(id);
    assert.equal(result.status?.state, "failed");
    assert.equal(result.status?.error?.message, "Tenant is banned.");
    assert.equal((await app.deadLetters.getDeadLetter("default", id))?.reason, "tenant-banned");
    const ok = await app.stem.enqueue("t");
    assert.equal((await app.stem.waitForTask(ok)).value, 1, "the worker keeps going");
    assert.equal(runs, 1);
    await app.close();
  });

  test("an onConsume that does not call next drops the delivery as cancelled (acked, never run)", async () => {
    let runs = 0;
    const { app } = await fakeTimeApp({
      middleware: [{ onConsume: () => Promise.resolve() }],
      tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => ++runs })],
    });
    const id = await app.stem.enqueue("t");
    const result = await app.stem.waitForTask(id);
    assert.equal(result.status?.state, "cancelled");
    assert.equal(runs, 0);
    assert.deepEqual(await app.broker.counts("default"), {
      pending: 0,
      inflight: 0,
      delayed: 0,
      dead: 0,
    });
    await app.close();
  });

  test("onOutcome sees every outcome kind", async () => {
    const kinds = new Map<string, TaskOutcome["kind"]>();
    let sawDuplicate!: () => void;
    const duplicateSeen = new Promise<void>((resolve) => (sawDuplicate = resolve));
    let skip = "";
    const { app, clock } = await fakeTimeApp({
      middleware: [
        { onConsume: (d, next) => (d.envelope.id === skip ? Promise.resolve() : next()) },
        {
          onOutcome: (outcome, next) => {
            kinds.set(outcome.ref.id, outcome.kind);
            if (outcome.kind === "duplicate") sawDuplicate();
            return next();
          },
        },
      ],
      tasks: [
        new FunctionTaskHandler({ name: "ok", entrypoint: () => 1 }),
        new FunctionTaskHandler({
          name: "flaky",
          options: { maxRetries: 1, retryPolicy: { defaultDelay: 10, jitter: false } },
          entrypoint: (ctx) => {
            if (ctx.attempt === 0) throw new Error("once");
            return 2;
          },
        }),
        new FunctionTaskHandler({
          name: "bad",
          entrypoint: () => {
            throw new TypeError("no");
          },
        }),
      ],
    });
    const ok = await app.stem.enqueue("ok");
    await app.stem.waitForTask(ok);
    const flaky = await app.stem.enqueue("flaky");
    await statusWhere(app, flaky, (s) => s.state === "retried");
    assert.equal(kinds.get(flaky), "retried");
    await clock.tick(10);
    await app.stem.waitForTask(flaky);
    const bad = await app.stem.enqueue("bad");
    await app.stem.waitForTask(bad);
    await app.broker.publish(testEnvelope({ id: "unknown-1", name: "nobody" }));
    await app.stem.waitForTask("unknown-1");
    const expired = await app.stem.enqueue("ok", {
      enqueueOptions: { expires: 5, countdown: 10 },
    });
    await clock.tick(10);
    await app.stem.waitForTask(expired);
    skip = "skipped-1";
    await app.broker.publish(testEnvelope({ id: skip, name: "ok" }));
    await app.stem.waitForTask(skip);
    // A follow-up re-published under the id of one that finished (its parent re-ran).
    const copy = testEnvelope({ id: ok, name: "ok", parentId: "parent-1" });
    await app.broker.publish(copy);
    await duplicateSeen;
    assert.deepEqual(Object.fromEntries(kinds), {
      [ok]: "duplicate",
      [flaky]: "succeeded",
      [bad]: "failed",
      "unknown-1": "rejected",
      [expired]: "expired",
      [skip]: "cancelled",
    });
    await app.close();
  });

  test("composeEnqueue runs onEnqueue hooks in order and may short-circuit the publish", async () => {
    const log: string[] = [];
    const stamp = (name: string): TaskMiddleware => ({
      onEnqueue: (envelope, next) => {
        log.push(name);
        return next({ ...envelope, headers: { ...envelope.headers, [name]: "1" } });
      },
    });
    const published: string[] = [];
    const id = await composeEnqueue(
      [stamp("a"), stamp("b")],
      testEnvelope({ id: "e1" }),
      (e) => {
        published.push(Object.keys(e.headers).join(","));
        return Promise.resolve(e.id);
      },
    );
    assert.equal(id, "e1");
    assert.deepEqual(log, ["a", "b"]);
    assert.deepEqual(published, ["a,b"]);
    const unique: TaskMiddleware = { onEnqueue: () => Promise.resolve("existing-id") };
    const short = await composeEnqueue([unique], testEnvelope(), () => {
      throw new Error("must not publish");
    });
    assert.equal(short, "existing-id");
  });
});
