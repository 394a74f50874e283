import { deepEqual, equal, ok } from "../../assert.ts";
import { eventually } from "../../contract_harness.ts";
import { testEnvelope } from "../../test_values.ts";
import type { Broker, Delivery } from "../../../broker/broker.ts";
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
    // Redis once promoted a due message only when the next claim ran, behind everything
    // published since it fell due: a rate-limit deferral whose slot had come waited behind the
    // fresh backlog (docs/rate_limits.md).
    name: "a delayed message that fell due is delivered before messages published after that",
    skip: needsBroker("delay"),
    run: async ({ broker, queue, take, scale }) => {
      const due = Date.now() + 200 * scale;
      await broker.publish(testEnvelope({ queue, name: "due", notBefore: due }));
      // Nothing claims meanwhile: the message falls due while it sits in the broker.
      await fallsDue(broker, queue, scale);
      for (let i = 0; i < 3; i++) {
        await broker.publish(testEnvelope({ queue, name: `fresh-${i}` }));
      }
      deepEqual(await takeNames(broker, take, 4), ["due", "fresh-0", "fresh-1", "fresh-2"]);
    },
  },
  {
    // A rate-limit deferral (or a retry's backoff) whose time has come must not wait behind the
    // backlog that was already queued: three worker processes at 20/s over a 1,500-task backlog
    // stalled for seconds on PostgreSQL while the first pass deferred task after task.
    name: "a delayed message that fell due is delivered before the backlog queued ahead of it",
    skip: needsBroker("delay"),
    run: async ({ broker, queue, take, scale }) => {
      for (let i = 0; i < 3; i++) {
        await broker.publish(testEnvelope({ queue, name: `backlog-${i}` }));
      }
      await broker.publish(
        testEnvelope({ queue, name: "due", notBefore: Date.now() + 200 * scale }),
      );
      await fallsDue(broker, queue, scale);
      deepEqual(await takeNames(broker, take, 4), ["due", "backlog-0", "backlog-1", "backlog-2"]);
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

/** Waits until the queue holds no delayed message (nothing claims meanwhile). */
async function fallsDue(broker: Broker, queue: string, scale: number): Promise<void> {
  const counts = await eventually(
    () => broker.counts(queue),
    (c) => c.delayed === 0,
    5_000 * scale,
  );
  equal(counts.delayed, 0, "the delayed message fell due");
}

/** Takes and acks `n` deliveries; their task names in delivery order. */
async function takeNames(
  broker: Broker,
  take: () => Promise<Delivery>,
  n: number,
): Promise<string[]> {
  const names: string[] = [];
  for (let i = 0; i < n; i++) {
    const d = await take();
    names.push(d.envelope.name);
    await broker.ack(d);
  }
  return names;
}
