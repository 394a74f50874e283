import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  FunctionTaskHandler,
  InMemoryBroker,
  InMemoryResultBackend,
  SimpleTaskRegistry,
  Stem,
  TaskDefinition,
  Worker,
} from "../mod.ts";
import { fakeTimeApp, statusWhere } from "./helpers/app.ts";

describe("Worker seed API", () => {
  test("signal shortcuts filter by task name and worker id and return an unsubscribe", async () => {
    const { app } = await fakeTimeApp({
      workerId: "w1",
      tasks: [
        new FunctionTaskHandler({ name: "a", entrypoint: () => "A" }),
        new FunctionTaskHandler({ name: "b", entrypoint: () => "B" }),
      ],
    });
    const seen: string[] = [];
    const off = app.signals.onTaskSuccess((p) => void seen.push(`${p.name}:${p.result}`), {
      taskName: "a",
      workerId: "w1",
    });
    const other: string[] = [];
    app.signals.onTaskSuccess((p) => void other.push(p.name), { workerId: "w2" });
    await app.stem.waitForTask(await app.stem.enqueue("a"));
    await app.stem.waitForTask(await app.stem.enqueue("b"));
    off();
    await app.stem.waitForTask(await app.stem.enqueue("a"));
    assert.deepEqual(seen, ["a:A"]);
    assert.deepEqual(other, []);
    await app.close();
  });

  test("Worker accepts queue as well as queues", () => {
    const worker = new Worker({
      broker: new InMemoryBroker(),
      registry: new SimpleTaskRegistry(),
      queue: "emails",
      queues: ["reports"],
    });
    assert.deepEqual(worker.queues, ["reports", "emails"]);
  });

  test("ctx.enqueueCall enqueues a typed child with lineage; ctx.progressJson stores JSON progress", async () => {
    const child = TaskDefinition.json<{ n: number }, number>({ name: "child" });
    const { app } = await fakeTimeApp({
      tasks: [
        child.handler((_ctx, { n }) => n * 2),
        new FunctionTaskHandler({
          name: "parent",
          entrypoint: async (ctx) => {
            await ctx.progressJson({ stage: "spawning", at: new Date(0) }, 50);
            return await ctx.enqueueCall(child.buildCall({ n: 21 }));
          },
        }),
      ],
    });
    const id = await app.stem.enqueue("parent");
    const parent = await app.stem.waitForTask<string>(id);
    assert.deepEqual(parent.status?.progress, {
      percent: 50,
      data: { stage: "spawning", at: "1970-01-01T00:00:00.000Z" },
    });
    const childId = parent.value!;
    const done = await statusWhere(app, childId, (s) => s.state === "succeeded");
    assert.equal(done.result, 42);
    assert.equal(done.meta.queue, "default");
    await app.close();
  });

  test("ctx.progressJson rejects values JSON cannot hold with payload-encode-failed", async () => {
    const broker = new InMemoryBroker();
    const backend = new InMemoryResultBackend();
    let code: string | undefined;
    const registry = new SimpleTaskRegistry([
      new FunctionTaskHandler({
        name: "p",
        entrypoint: async (ctx) => {
          try {
            await ctx.progressJson({ n: 1n });
          } catch (error) {
            code = (error as { code?: string }).code;
          }
        },
      }),
    ]);
    const worker = new Worker({ broker, backend, registry });
    await worker.start();
    const stem = new Stem({ broker, backend });
    await stem.waitForTask(await stem.enqueue("p"));
    assert.equal(code, "payload-encode-failed");
    await worker.shutdown();
  });
});
