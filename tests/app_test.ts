import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  FunctionTaskHandler,
  SimpleTaskRegistry,
  StemApp,
  type TaskContext,
  type TaskHandler,
} from "../mod.ts";

class ShoutTask implements TaskHandler<string> {
  readonly name = "text.shout";
  readonly options = { queue: "text" };
  call(_ctx: TaskContext, args: Record<string, unknown>): string {
    return String(args.text).toUpperCase();
  }
}

describe("StemApp", () => {
  test("inMemory: enqueue → worker → result in one process", async () => {
    const app = await StemApp.inMemory({
      tasks: [
        new FunctionTaskHandler({
          name: "hello.print",
          entrypoint: (_ctx, args) => `Hello ${args.name}`,
        }),
      ],
    });
    await app.start();
    const id = await app.stem.enqueue("hello.print", { args: { name: "Stem" } });
    const res = await app.stem.waitForTask<string>(id, { timeout: "5s" });
    assert.equal(res.isSucceeded, true);
    assert.equal(res.value, "Hello Stem");
    assert.equal(res.requiredValue(), "Hello Stem");
    assert.equal(res.status?.meta.queue, "default");
    assert.equal(res.status?.meta.worker, app.worker.id);
    await app.close();
  });

  test("class handlers work and their queue is consumed by default", async () => {
    const app = await StemApp.inMemory({ tasks: [new ShoutTask()] });
    await app.start();
    assert.deepEqual(app.worker.queues.sort(), ["default", "text"]);
    const id = await app.stem.enqueue("text.shout", { args: { text: "hi" } });
    const res = await app.stem.waitForTask<string>(id, { timeout: "5s" });
    assert.equal(res.value, "HI");
    assert.equal(res.status?.meta.queue, "text");
    await app.close();
  });

  test("an app with tasks refuses unknown names; a producer-only app sends any name", async () => {
    const app = await StemApp.inMemory({ tasks: [new ShoutTask()] });
    await assert.rejects(() => app.stem.enqueue("text.shuot"), { name: "UnknownTaskError" });
    await app.close();
    const producer = await StemApp.inMemory();
    const id = await producer.stem.enqueue("handled.elsewhere");
    assert.equal((await producer.backend.get(id))?.state, "queued");
    await producer.close();
  });

  test("fromUrl('memory://') builds an in-memory app; unknown schemes name the adapter to import", async () => {
    const app = await StemApp.fromUrl("memory://", { tasks: [new ShoutTask()] });
    await app.start();
    const id = await app.stem.enqueue("text.shout", { args: { text: "x" } });
    assert.equal((await app.stem.waitForTask(id, { timeout: "5s" })).value, "X");
    await app.close();
    await assert.rejects(
      () => StemApp.fromUrl("nats://user:secret@host"),
      (e: Error) =>
        /No Stem adapter handles "nats:"/.test(e.message) && !e.message.includes("secret"),
    );
  });
});

describe("SimpleTaskRegistry", () => {
  test("register, get, list; duplicate names throw", () => {
    const registry = new SimpleTaskRegistry();
    const a = new FunctionTaskHandler({ name: "a", entrypoint: () => 1 });
    registry.register(a);
    registry.register(new ShoutTask());
    assert.equal(registry.get("a"), a);
    assert.deepEqual(registry.list().map((h) => h.name), ["a", "text.shout"]);
    assert.equal(registry.get("missing"), undefined);
    assert.throws(
      () => registry.register(new FunctionTaskHandler({ name: "a", entrypoint: () => 2 })),
      /already registered/,
    );
  });
});
