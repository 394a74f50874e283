import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import {
  FunctionTaskHandler,
  StemApp,
  TaskDefinition,
  type TaskPayloadEncoder,
  toMillis,
} from "../mod.ts";
import { FakeClock, FakeStem } from "../src/testing/mod.ts";
import { statusWhere } from "./helpers/app.ts";

const addArgs = z.object({ a: z.number(), b: z.number(), user: z.object({ email: z.email() }) });
const add = TaskDefinition.json<z.infer<typeof addArgs>, number>({
  name: "math.add",
  argsSchema: addArgs,
  defaultOptions: { queue: "math" },
});

describe("TaskDefinition", () => {
  test("enqueueAndWait returns a typed TaskResult", async () => {
    const app = await StemApp.inMemory({ tasks: [add.handler((_ctx, { a, b }) => a + b)] });
    await app.start();
    const result = await add.enqueueAndWait(app.stem, { a: 2, b: 3, user: { email: "a@b.co" } }, {
      timeout: "5s",
    });
    assert.equal(result.isSucceeded, true);
    const sum: number = result.requiredValue();
    assert.equal(sum, 5);
    assert.equal(result.status?.meta.queue, "math");
    await app.close();
  });

  test("invalid args throw ValidationError at enqueue naming the field path", async () => {
    const app = await StemApp.inMemory({ tasks: [add.handler((_ctx, { a, b }) => a + b)] });
    await assert.rejects(
      () => add.enqueue(app.stem, { a: 1, b: 2, user: { email: "not-an-email" } }),
      (e: Error) => e.name === "ValidationError" && e.message.includes("user.email"),
    );
    await assert.rejects(
      () => app.stem.enqueue("math.add", { args: { a: "1", b: 2, user: { email: "a@b.co" } } }),
      (e: Error) => e.name === "ValidationError" && /\ba:/.test(e.message),
    );
    assert.equal((await app.broker.counts("math")).pending, 0, "nothing was published");
    await app.close();
  });

  test("a worker that receives invalid args fails the task without retrying", async () => {
    let runs = 0;
    const app = await StemApp.inMemory({
      tasks: [add.handler(() => ++runs, { maxRetries: 5 })],
    });
    await app.start();
    const { Stem } = await import("../mod.ts");
    const unchecked = new Stem({ broker: app.broker, backend: app.backend });
    const id = await unchecked.enqueue("math.add", {
      args: { a: 1 },
      options: { queue: "math", maxRetries: 5 },
    });
    const failed = await statusWhere(app, id, (s) => s.state === "failed");
    assert.equal(failed.error?.type, "ValidationError");
    assert.equal(failed.attempt, 0);
    assert.equal(runs, 0);
    assert.equal((await app.deadLetters.getDeadLetter("math", id))?.reason, "invalid-args");
    await app.close();
  });

  test("buildCall + enqueueCall, the fluent builder, and noArgs definitions", async () => {
    const ping = TaskDefinition.noArgs<string>({ name: "ping" });
    const fake = new FakeStem();
    await ping.enqueue(fake, undefined);
    const call = add.buildCall({ a: 1, b: 1, user: { email: "x@y.zz" } }, {
      headers: { "x-requested-by": "analytics" },
      options: { priority: 5 },
    });
    assert.ok(Object.isFrozen(call));
    await fake.enqueueCall(call as never);
    await add.builder({ a: 0, b: 0, user: { email: "x@y.zz" } })
      .header("x-trace", "t1")
      .priority(7)
      .delay("5s")
      .meta("source", "test")
      .enqueueWith(fake);
    const [p, c, b] = fake.records;
    assert.equal(p.name, "ping");
    assert.deepEqual(p.request.args, {});
    assert.equal(c.request.headers?.["x-requested-by"], "analytics");
    assert.equal(c.request.options?.priority, 5);
    assert.equal(c.request.options?.queue, "math");
    assert.equal(b.request.headers?.["x-trace"], "t1");
    assert.equal(b.request.enqueueOptions?.priority, 7);
    assert.equal(toMillis(b.request.enqueueOptions!.countdown!), 5_000);
    assert.equal(b.request.meta?.source, "test");
    fake.complete(p.id, "pong");
    assert.equal((await ping.waitFor(fake, p.id)).value, "pong");
  });

  test("enqueueCall does not need the task registered on the producer", async () => {
    const app = await StemApp.inMemory({ tasks: [] });
    const id = await add.enqueue(app.stem, { a: 1, b: 2, user: { email: "a@b.co" } });
    assert.equal((await app.broker.counts("math")).pending, 1);
    assert.equal((await app.backend.get(id))?.state, "queued");
    await app.close();
  });
});

describe("TaskContext", () => {
  test("exposes identity, args helpers, progress, lineage and idempotency keys", async () => {
    const seen: Record<string, unknown> = {};
    const app = await StemApp.inMemory({
      tasks: [
        new FunctionTaskHandler({
          name: "parent",
          entrypoint: async (ctx) => {
            seen.id = ctx.id;
            seen.name = ctx.name;
            seen.attempt = ctx.attempt;
            seen.required = ctx.requiredArg<string>("who");
            seen.fallback = ctx.argOr("missing", "dflt");
            seen.decoded = ctx.argsJson((j) => Object.keys(j as object).length);
            seen.key = ctx.idempotencyKey("charge");
            assert.throws(() => ctx.requiredArg("missing"), /needs the argument "missing"/);
            await ctx.progress(50, { step: "half" });
            return await ctx.enqueue("child", { args: { n: 1 } });
          },
        }),
        new FunctionTaskHandler({
          name: "child",
          entrypoint: (ctx) => ({ parentId: ctx.parentId, rootId: ctx.rootId }),
        }),
      ],
    });
    await app.start();
    const progress = app.signals.taskProgress.next();
    const id = await app.stem.enqueue("parent", { args: { who: "me" } });
    assert.deepEqual((await progress).data, { step: "half" });
    const childId = (await app.stem.waitForTask<string>(id, { timeout: "5s" })).requiredValue();
    const child = await app.stem.waitForTask<{ parentId: string; rootId: string }>(childId, {
      timeout: "5s",
    });
    assert.deepEqual(child.value, { parentId: id, rootId: id });
    assert.equal(seen.id, id);
    assert.equal(seen.name, "parent");
    assert.equal(seen.attempt, 0);
    assert.equal(seen.required, "me");
    assert.equal(seen.fallback, "dflt");
    assert.equal(seen.decoded, 1);
    assert.equal(seen.key, `stem:parent:${id}:charge`);
    await app.close();
  });

  test("progress is stored on the running status", async () => {
    let release!: () => void;
    const hold = new Promise<void>((r) => (release = r));
    const app = await StemApp.inMemory({
      tasks: [
        new FunctionTaskHandler({
          name: "p",
          entrypoint: async (ctx) => {
            await ctx.progress(25);
            await hold;
          },
        }),
      ],
    });
    await app.start();
    const id = await app.stem.enqueue("p");
    const status = await statusWhere(app, id, (s) => s.progress !== null);
    assert.equal(status.state, "running");
    assert.deepEqual(status.progress, { percent: 25 });
    release();
    await app.stem.waitForTask(id);
    await app.close();
  });
});

describe("Payload encoders", () => {
  const reverse: TaskPayloadEncoder = {
    id: "reverse-json",
    encode: (value) => JSON.stringify(value).split("").reverse().join(""),
    decode: (value) => JSON.parse(String(value).split("").reverse().join("")),
  };

  test("a per-task encoder is recorded on the envelope and the status and decoded anywhere", async () => {
    let encodes = 0;
    const counting: TaskPayloadEncoder = {
      ...reverse,
      encode: (v) => {
        encodes++;
        return reverse.encode(v);
      },
    };
    const app = await StemApp.inMemory({
      encoders: [counting],
      tasks: [
        new FunctionTaskHandler({
          name: "secret",
          metadata: { argsEncoder: "reverse-json", resultEncoder: "reverse-json" },
          entrypoint: (_ctx, args) => ({ got: args.pin }),
        }),
      ],
    });
    const published = app.signals.afterTaskPublish.next();
    const id = await app.stem.enqueue("secret", { args: { pin: 1234 } });
    const { envelope } = await published;
    assert.equal(envelope.encoder, "reverse-json");
    assert.equal(typeof envelope.args, "string");
    await app.start();
    const result = await app.stem.waitForTask<{ got: number }>(id, { timeout: "5s" });
    assert.equal(result.status?.encoder, "reverse-json");
    assert.equal(typeof result.status?.result, "string");
    assert.deepEqual(result.value, { got: 1234 });
    assert.equal(encodes, 2, "args once, result once");
    await app.close();
  });

  test("a worker without the encoder fails the task with UnknownEncoderError", async () => {
    const producer = await StemApp.inMemory({
      encoders: [reverse],
      tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => 1 })],
      autoStart: false, // only the worker below (without the encoder) may run the task
    });
    const id = await producer.stem.enqueue("t", { enqueueOptions: { encoder: "reverse-json" } });
    const { Worker, SimpleTaskRegistry } = await import("../mod.ts");
    const worker = new Worker({
      broker: producer.broker,
      backend: producer.backend,
      registry: new SimpleTaskRegistry([
        new FunctionTaskHandler({ name: "t", entrypoint: () => 1 }),
      ]),
    });
    await worker.start();
    const failed = await statusWhere(producer, id, (s) => s.state === "failed");
    assert.equal(failed.error?.type, "UnknownEncoderError");
    await worker.shutdown();
    await producer.close();
  });
});

describe("Testing helpers", () => {
  test("FakeClock fires timers in order only when ticked", async () => {
    const clock = new FakeClock(0);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push("b"), 20);
    const a = clock.setTimeout(() => fired.push("a-cancelled"), 10);
    clock.setTimeout(() => fired.push("c"), 10);
    clock.clearTimeout(a);
    await clock.tick(15);
    assert.deepEqual(fired, ["c"]);
    assert.equal(clock.now(), 15);
    await clock.tick(5);
    assert.deepEqual(fired, ["c", "b"]);
  });

  test("FakeStem records enqueues by name", async () => {
    const stem = new FakeStem();
    await stem.enqueue("a", { args: { x: 1 } });
    await stem.enqueue("b");
    assert.equal(stem.enqueued("a").length, 1);
    assert.deepEqual(stem.enqueued("a")[0].request.args, { x: 1 });
    assert.equal(stem.enqueued().length, 2);
    stem.clear();
    assert.equal(stem.enqueued().length, 0);
  });
});
