import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createSignals, InMemoryBroker, InMemoryResultBackend, Stem } from "../mod.ts";
import type { Broker } from "../src/broker/broker.ts";

/** A broker whose publishes reject, like a server that refused the write. */
function refusing(broker: Broker): Broker {
  const refuse = () => Promise.reject(new Error("broker refused the write"));
  return new Proxy(broker, {
    get(object, key, receiver) {
      if (key === "publish" || key === "publishMany") return refuse;
      const value = Reflect.get(object, key, receiver);
      return typeof value === "function" ? value.bind(object) : value;
    },
  });
}

describe("a publish the broker refuses", () => {
  for (const [label, count] of [["enqueue", 1], ["enqueueMany", 3]] as const) {
    test(`${label}: rejects and records each task as failed with the reason`, async () => {
      const backend = new InMemoryResultBackend();
      const signals = createSignals();
      const stem = new Stem({ broker: refusing(new InMemoryBroker()), backend, signals });
      const published: string[] = [];
      const listener = ({ envelope }: { envelope: { id: string } }) => published.push(envelope.id);
      const before: string[] = [];
      signals.beforeTaskPublish.connect(({ envelope }) => before.push(envelope.id));
      signals.afterTaskPublish.connect(listener);
      const call = count === 1 ? stem.enqueue("demo.task", { args: { n: 1 } }) : stem.enqueueMany(
        Array.from({ length: count }, (_, n) => ({ name: "demo.task", args: { n } })),
      );
      await assert.rejects(call, /broker refused the write/);
      assert.equal(before.length, count);
      assert.deepEqual(published, [], "no afterTaskPublish for a refused publish");
      for (const id of before) {
        const status = await backend.get(id);
        assert.equal(status?.state, "failed");
        assert.match(status?.error?.message ?? "", /^Publish failed: broker refused the write/);
      }
    });
  }
});
