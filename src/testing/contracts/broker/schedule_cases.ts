import { deepEqual, equal, ok } from "../../assert.ts";
import { testEnvelope } from "../../test_values.ts";
import { type BrokerCase, needsBroker } from "./broker_context.ts";

/** Delayed delivery and priorities. */
export const scheduleCases: BrokerCase[] = [
  {
    name: "nack can requeue a replacement envelope that waits for its notBefore",
    skip: needsBroker("delay"),
    run: async ({ broker, queue, take, scale }) => {
      const envelope = testEnvelope({ queue });
      await broker.publish(envelope);
      const first = await take();
      const due = Date.now() + 300 * scale;
      await broker.nack(first, {
        requeue: true,
        envelope: { ...first.envelope, attempt: 1, notBefore: due },
      });
      const counts = await broker.counts(queue);
      equal(counts.delayed + counts.pending, 1, "the replacement is the only copy");
      const retry = await take();
      ok(Date.now() >= due - 5, "the replacement was not delivered early");
      equal(retry.envelope.id, envelope.id);
      equal(retry.envelope.attempt, 1);
      await broker.ack(retry);
    },
  },
  {
    name: "delayed messages stay invisible until due",
    skip: needsBroker("delay"),
    run: async ({ broker, queue, take, scale }) => {
      const due = Date.now() + 400 * scale;
      await broker.publish(testEnvelope({ queue, name: "later", notBefore: due }));
      await broker.publish(testEnvelope({ queue, name: "now" }));
      equal((await broker.counts(queue)).delayed, 1);
      const first = await take();
      equal(first.envelope.name, "now");
      await broker.ack(first);
      const second = await take();
      ok(Date.now() >= due - 5, "the delayed message was not delivered early");
      equal(second.envelope.name, "later");
      await broker.ack(second);
    },
  },
  {
    name: "higher priority is delivered first",
    skip: needsBroker("priority"),
    run: async ({ broker, queue, take }) => {
      for (const priority of [1, 9, 5, 0]) {
        await broker.publish(testEnvelope({ queue, priority, name: `p${priority}` }));
      }
      const order: string[] = [];
      for (let i = 0; i < 4; i++) {
        const d = await take();
        order.push(d.envelope.name);
        await broker.ack(d);
      }
      deepEqual(order, ["p9", "p5", "p1", "p0"]);
    },
  },
];
