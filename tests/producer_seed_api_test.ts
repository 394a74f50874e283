import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  InMemoryBroker,
  InMemoryResultBackend,
  SimpleTaskRegistry,
  Stem,
  StemApp,
  TaskDefinition,
} from "../mod.ts";
import { FakeStem } from "../src/testing/mod.ts";

class Invoice {
  constructor(readonly id: string, readonly cents: number) {}
}

describe("the seed programs' producer surface", () => {
  test("the minimal producer: an empty SimpleTaskRegistry enqueues by name", async () => {
    const stem = new Stem({
      broker: new InMemoryBroker(),
      registry: new SimpleTaskRegistry(),
      backend: new InMemoryResultBackend(),
    });
    const id = await stem.enqueue("email.send", {
      args: { to: "hello@example.com", subject: "Welcome" },
    });
    assert.equal((await stem.getTaskStatus(id))?.state, "queued");
  });

  test("FakeStem.enqueues records each call, and validates it like Stem", async () => {
    const fake = new FakeStem();
    await fake.enqueue("tasks.email", { args: { id: 1 } });
    assert.equal(fake.enqueues.length, 1);
    assert.equal(fake.enqueues[0].name, "tasks.email");
    assert.deepEqual(fake.enqueues[0].request.args, { id: 1 });
    await assert.rejects(
      () => fake.enqueue("tasks.email", { enqueueOptions: { link: "abc" as never } }),
      { code: "validation-failed" },
    );
    assert.equal(fake.enqueues.length, 1);
  });

  test("definition.enqueueAndWait(app, …) takes a StemApp as well as a Stem", async () => {
    const add = TaskDefinition.json<{ a: number; b: number }, number>({ name: "math.add" });
    const app = await StemApp.inMemory({ tasks: [add.handler((_ctx, { a, b }) => a + b)] });
    await app.start();
    assert.equal((await add.enqueueAndWait(app, { a: 1, b: 2 }, { timeout: "5s" })).value, 3);
    assert.equal((await add.enqueueAndWait(app.stem, { a: 2, b: 2 })).value, 4);
    await app.close();
  });

  test("stem.enqueueCall(definition.buildCall(...)) accepts a typed call without a cast", async () => {
    const fake = new FakeStem();
    const generate = TaskDefinition.json<{ reportId: string }, string>({ name: "reports.gen" });
    const call = generate.buildCall({ reportId: "r1" }, { options: { priority: 5 } });
    await fake.enqueueCall(call);
    const stem = new Stem({ broker: new InMemoryBroker() });
    await stem.enqueueCall(call);
    assert.equal(fake.enqueues[0].request.options?.priority, 5);
  });

  test("versionedJson writes __stemPayloadVersion and the handler decodes by version", async () => {
    const publish = TaskDefinition.versionedJson<{ invoiceId: string }, string>({
      name: "invoice.publish",
      version: 2,
      decode: (json, version) => ({
        invoiceId: String(version === 1 ? json.legacyId : json.invoiceId),
      }),
    });
    const call = publish.buildCall({ invoiceId: "inv_42" });
    assert.deepEqual(call.request.args, { invoiceId: "inv_42", __stemPayloadVersion: 2 });
    const app = await StemApp.inMemory({
      tasks: [publish.handler((_ctx, { invoiceId }) => `published ${invoiceId}`)],
    });
    await app.start();
    assert.equal(
      (await publish.enqueueAndWait(app, { invoiceId: "inv_42" })).value,
      "published inv_42",
    );
    const old = await app.stem.enqueue("invoice.publish", {
      args: { legacyId: "inv_7", __stemPayloadVersion: 1 },
    });
    assert.equal((await publish.waitFor(app, old)).value, "published inv_7");
    await app.close();
  });

  test("codec turns DTO args and results into JSON and back", async () => {
    const json = (i: Invoice) => ({ id: i.id, cents: i.cents });
    const fromJson = (j: unknown) => {
      const o = j as { id: string; cents: number };
      return new Invoice(o.id, o.cents);
    };
    const double = TaskDefinition.codec<Invoice, Invoice>({
      name: "invoice.double",
      args: { encode: json, decode: fromJson },
      result: { encode: json, decode: fromJson },
    });
    const app = await StemApp.inMemory({
      tasks: [double.handler((_ctx, invoice) => {
        assert.ok(invoice instanceof Invoice);
        return new Invoice(invoice.id, invoice.cents * 2);
      })],
    });
    await app.start();
    const result = await double.enqueueAndWait(app, new Invoice("inv_1", 250));
    assert.ok(result.value instanceof Invoice);
    assert.equal(result.value?.cents, 500);
    await app.close();
  });

  test("waitForTask(id, { decode }) returns the decoded DTO", async () => {
    const app = await StemApp.inMemory({
      tasks: [
        TaskDefinition.json<{ id: string }, unknown>({ name: "dto" })
          .handler((_ctx, { id }) => ({ id, cents: 9 })),
      ],
    });
    await app.start();
    const id = await app.stem.enqueue("dto", { args: { id: "x" } });
    const result = await app.stem.waitForTask(id, {
      decode: (j) => new Invoice((j as Invoice).id, (j as Invoice).cents),
    });
    assert.ok(result.value instanceof Invoice);
    assert.equal(result.value?.cents, 9);
    await app.close();
  });
});
