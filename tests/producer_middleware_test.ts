// The producer's one path with task middleware (issue 8 item 6): every envelope a producer
// publishes passes its `onEnqueue` hooks between prepare and sign/publish.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type Envelope,
  FunctionTaskHandler,
  InMemoryBroker,
  InMemoryResultBackend,
  SimpleTaskRegistry,
  Stem,
  TaskDefinition,
  type TaskMiddleware,
  Worker,
} from "../mod.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";

/** Adds a header to every envelope it sees and records the envelopes' names. */
function tracing(seen: string[]): TaskMiddleware {
  return {
    onEnqueue: (envelope, next) => {
      seen.push(envelope.name);
      return next({ ...envelope, headers: { ...envelope.headers, "x-trace": "t-1" } });
    },
  };
}

/** Reads every envelope waiting on `queue` (it consumes them). */
async function drain(broker: InMemoryBroker, queue = "default"): Promise<Envelope[]> {
  const out: Envelope[] = [];
  const { pending } = await broker.counts(queue);
  const controller = new AbortController();
  const iterator = broker.consume({
    queues: [queue],
    prefetch: pending + 1,
    signal: controller.signal,
  })
    [Symbol.asyncIterator]();
  for (let i = 0; i < pending; i++) {
    const next = await iterator.next();
    out.push(next.value.envelope);
    await broker.ack(next.value);
  }
  controller.abort();
  await iterator.return?.(undefined);
  return out;
}

describe("Stem middleware (onEnqueue)", () => {
  test("enqueue, enqueueMany and enqueueCall all pass onEnqueue, and its envelope is published", async () => {
    const broker = new InMemoryBroker();
    const seen: string[] = [];
    const stem = new Stem({ broker, middleware: [tracing(seen)] });
    const definition = TaskDefinition.json<{ n: number }, number>({ name: "typed" });
    await stem.enqueue("one");
    await stem.enqueueMany([{ name: "many.a" }, { name: "many.b" }]);
    await stem.enqueueCall(definition.buildCall({ n: 1 }));
    assert.deepEqual(seen, ["one", "many.a", "many.b", "typed"]);
    const published = await drain(broker);
    assert.deepEqual(published.map((e) => e.name).sort(), ["many.a", "many.b", "one", "typed"]);
    for (const envelope of published) assert.equal(envelope.headers["x-trace"], "t-1");
  });

  test("a worker's children and link follow-ups pass the worker's onEnqueue too", async () => {
    const clock = new FakeClock();
    const broker = new InMemoryBroker({ clock });
    const backend = new InMemoryResultBackend({ clock });
    const seen: string[] = [];
    const headers = new Map<string, string | undefined>();
    const registry = new SimpleTaskRegistry([
      new FunctionTaskHandler({
        name: "parent",
        entrypoint: async (ctx) => {
          await ctx.enqueue("child");
          return "ok";
        },
      }),
      ...["child", "followUp"].map((name) =>
        new FunctionTaskHandler({
          name,
          entrypoint: (ctx) => void headers.set(name, ctx.headers["x-trace"]),
        })
      ),
    ]);
    const worker = new Worker({ broker, backend, registry, clock, middleware: [tracing(seen)] });
    const producer = new Stem({ broker, backend, clock });
    await worker.start();
    const id = await producer.enqueue("parent", {
      enqueueOptions: { link: [{ name: "followUp" }] },
    });
    assert.equal((await producer.waitForTask(id)).status?.state, "succeeded");
    assert.equal((await producer.waitForTask(`${id}:link:0`)).status?.state, "succeeded");
    await worker.shutdown();
    assert.deepEqual(seen.sort(), ["child", "followUp"], "the producer's own has no middleware");
    assert.equal(headers.get("child"), "t-1");
    assert.equal(headers.get("followUp"), "t-1");
  });

  test("a middleware that throws rejects the enqueue with nothing published", async () => {
    const broker = new InMemoryBroker();
    const backend = new InMemoryResultBackend();
    const refuse: TaskMiddleware = {
      onEnqueue: (envelope, next) => {
        if (envelope.name === "bad") return Promise.reject(new Error("refused by policy"));
        return next(envelope);
      },
    };
    const stem = new Stem({ broker, backend, middleware: [refuse] });
    await assert.rejects(
      stem.enqueue("bad", { enqueueOptions: { taskId: "bad-1" } }),
      /refused by policy/,
    );
    await assert.rejects(
      stem.enqueueMany([
        { name: "good", enqueueOptions: { taskId: "good-1" } },
        { name: "bad", enqueueOptions: { taskId: "bad-2" } },
      ]),
      /refused by policy/,
    );
    assert.equal((await broker.counts("default")).pending, 0, "nothing published");
    for (const id of ["bad-1", "good-1", "bad-2"]) assert.equal(await backend.get(id), null);
  });

  test("a middleware that returns without next skips the publish; its id is the result", async () => {
    const broker = new InMemoryBroker();
    const unique: TaskMiddleware = {
      onEnqueue: (envelope, next) =>
        envelope.name === "dedupe" ? Promise.resolve("existing-id") : next(envelope),
    };
    const stem = new Stem({ broker, middleware: [unique] });
    assert.equal(await stem.enqueue("dedupe"), "existing-id");
    const ids = await stem.enqueueMany([{ name: "dedupe" }, { name: "fresh" }]);
    assert.equal(ids[0], "existing-id");
    const published = await drain(broker);
    assert.deepEqual(published.map((e) => [e.id, e.name]), [[ids[1], "fresh"]]);
  });

  test("middleware runs in order, the first outermost, before the envelope is signed", async () => {
    const broker = new InMemoryBroker();
    const order: string[] = [];
    const named = (name: string): TaskMiddleware => ({
      onEnqueue: async (envelope, next) => {
        order.push(`${name}>`);
        const id = await next(envelope);
        order.push(`<${name}`);
        return id;
      },
    });
    const stem = new Stem({ broker, middleware: [named("a"), named("b")] });
    await stem.enqueue("t");
    assert.deepEqual(order, ["a>", "b>", "<b", "<a"]);
  });
});

describe("Stem options", () => {
  test("defaultQueue is the queue of tasks whose call, definition and handler name none", async () => {
    const broker = new InMemoryBroker();
    const registry = new SimpleTaskRegistry([
      new FunctionTaskHandler({ name: "plain", entrypoint: () => 1 }),
      new FunctionTaskHandler({
        name: "routed",
        options: { queue: "reports" },
        entrypoint: () => 1,
      }),
    ]);
    const stem = new Stem({ broker, registry, defaultQueue: "jobs" });
    assert.equal(stem.defaultQueue, "jobs");
    await stem.enqueue("plain");
    await stem.enqueue("routed");
    await stem.enqueue("plain", { enqueueOptions: { queue: "urgent" } });
    await stem.enqueueCall(TaskDefinition.json({ name: "plain" }).buildCall({}));
    assert.equal((await broker.counts("jobs")).pending, 2);
    assert.equal((await broker.counts("reports")).pending, 1);
    assert.equal((await broker.counts("urgent")).pending, 1);
    assert.equal((await broker.counts("default")).pending, 0);
  });

  test("an invalid defaultQueue is an invalid-queue error at construction", () => {
    assert.throws(
      () => new Stem({ broker: new InMemoryBroker(), defaultQueue: "bad queue" }),
      (error: Error & { code?: string }) =>
        error.code === "invalid-queue" && /"bad queue"/.test(error.message),
    );
  });

  test("logger defaults to the silent logger and takes the one given", () => {
    const lines: string[] = [];
    const logger = {
      debug: (m: string) => void lines.push(m),
      info: (m: string) => void lines.push(m),
      warn: (m: string) => void lines.push(m),
      error: (m: string) => void lines.push(m),
    };
    const stem = new Stem({ broker: new InMemoryBroker(), logger });
    assert.equal(stem.logger, logger);
    assert.notEqual(new Stem({ broker: new InMemoryBroker() }).logger, logger);
  });
});
