// SQLite: every store on one handle, delivery counts, and status writes that reject values JSON
// cannot hold without wedging later writes.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect } from "../adapters/sqlite/mod.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
import type { TaskStatusInput } from "../src/backend/task_status.ts";
import type { Broker } from "../src/broker/broker.ts";

const dir = mkdtempSync(join(tmpdir(), "stem-sqlite-set-"));
let n = 0;
const file = () => join(dir, `s-${++n}.db`);
after(() => rmSync(dir, { recursive: true, force: true }));

const status = (id: string, result: unknown): TaskStatusInput =>
  ({ id, name: "t", state: "succeeded", result, attempt: 0, meta: {} }) as TaskStatusInput;

async function nextDelivery(broker: Broker, queue: string) {
  const controller = new AbortController();
  const iterator = broker.consume({ queues: [queue], signal: controller.signal })[
    Symbol.asyncIterator
  ]();
  const { value } = await iterator.next();
  controller.abort();
  await iterator.return?.();
  return value!;
}

describe("SQLite StoreSet", () => {
  test("connect() serves every store from one handle and closes it once", async () => {
    const stores = await connect(file());
    const envelope = testEnvelope({ queue: "one" });
    await stores.broker.publish(envelope);
    await stores.statuses.set(status(envelope.id, 1));
    await stores.kv.set("k", "v");
    assert.equal(stores.deadLetters, stores.broker);
    assert.equal(stores.backend.kv, stores.kv);
    assert.equal((await stores.broker.counts("one")).pending, 1);
    assert.equal((await stores.statuses.get(envelope.id))?.result, 1);
    await stores.close();
    await stores.close();
    await assert.rejects(stores.kv.get("k"), "the handle is closed");
  });

  test("a delivery counts how often it was handed out, lease-expiry reclaims included", async () => {
    const stores = await connect(file());
    await stores.broker.publish(testEnvelope({ queue: "dc", visibilityTimeout: 30 }));
    assert.equal((await nextDelivery(stores.broker, "dc")).deliveryCount, 1);
    const again = await nextDelivery(stores.broker, "dc");
    assert.equal(again.deliveryCount, 2);
    await stores.broker.nack(again, { envelope: { ...again.envelope, attempt: 1 } });
    assert.equal((await nextDelivery(stores.broker, "dc")).deliveryCount, 1, "a retry starts over");
    await stores.close();
  });

  test("a status JSON cannot hold rejects with payload-encode-failed; later writes work", async () => {
    const stores = await connect(file());
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const results = await Promise.allSettled([
      stores.statuses.set(status("big", 10n)),
      stores.statuses.set(status("cycle", cyclic)),
      stores.statuses.set(status("fine", 1)),
    ]);
    for (const r of results.slice(0, 2)) {
      assert.equal(r.status, "rejected");
      assert.equal((r as PromiseRejectedResult).reason.code, "payload-encode-failed");
    }
    assert.equal(results[2].status, "fulfilled");
    for (let i = 0; i < 3; i++) await stores.statuses.set(status(`later-${i}`, i));
    assert.equal((await stores.statuses.get("later-2"))?.result, 2);
    assert.equal(await stores.statuses.get("big"), null);
    await stores.close();
  });

  test("group results keep task ids with quotes and backslashes apart", async () => {
    const stores = await connect(file());
    await stores.groups.initGroup({ id: "g", expected: 2 });
    const odd = ['a"b', "c\\d"];
    for (const id of odd) {
      await stores.groups.addGroupResult("g", { ...status(id, id), timestamps: {} } as never);
    }
    const group = await stores.groups.getGroup("g");
    assert.deepEqual(Object.keys(group!.results).sort(), [...odd].sort());
    await stores.close();
  });
});
