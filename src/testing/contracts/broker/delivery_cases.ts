import type { Delivery } from "../../../broker/broker.ts";
import { deepEqual, equal, ok } from "../../assert.ts";
import { nextWithin } from "../../contract_harness.ts";
import { testEnvelope } from "../../test_values.ts";
import type { BrokerCase } from "./broker_context.ts";

/** Publish, route, count, settle and consume. */
export const deliveryCases: BrokerCase[] = [
  {
    name: "publish → consume → ack removes the message",
    run: async ({ broker, queue, take }) => {
      const envelope = testEnvelope({ queue, args: { hello: "world" } });
      await broker.publish(envelope);
      const delivery = await take();
      equal(delivery.envelope.id, envelope.id);
      deepEqual(delivery.envelope.args, { hello: "world" });
      equal(delivery.queue, queue);
      await broker.ack(delivery);
      deepEqual(await broker.counts(queue), { pending: 0, inflight: 0, delayed: 0, dead: 0 });
    },
  },
  {
    name: "envelopes round-trip every wire field",
    run: async ({ broker, queue, take }) => {
      const envelope = testEnvelope({
        queue,
        headers: { tenant: "t1" },
        meta: { nested: { a: [1, 2] } },
        priority: 3,
        maxRetries: 4,
        expires: Date.now() + 60_000,
        retryPolicy: { backoff: true, defaultDelay: 100 },
        timeLimits: { soft: 10, hard: 20 },
        link: [{ name: "next", args: { x: 1 } }],
        parentId: "p",
        rootId: "r",
        encoder: "json",
      });
      await broker.publish(envelope);
      const delivery = await take();
      deepEqual(delivery.envelope, envelope);
      await broker.ack(delivery);
    },
  },
  {
    name: "a published envelope is a copy: later changes by the caller are not delivered",
    run: async ({ broker, queue, take }) => {
      const envelope = testEnvelope({ queue, args: { n: 1 }, meta: { tag: "before" } });
      await broker.publish(envelope);
      (envelope.args as { n: number }).n = 2;
      envelope.meta.tag = "after";
      const delivery = await take();
      ok(delivery.envelope !== envelope, "the delivery is not the published object");
      deepEqual(delivery.envelope.args, { n: 1 });
      equal(delivery.envelope.meta.tag, "before");
      await broker.ack(delivery);
    },
  },
  {
    name: "publish rejects an envelope JSON cannot encode and queues nothing",
    run: async ({ broker, queue }) => {
      const bad = testEnvelope({ queue, args: { n: 1n } as never });
      let rejected = false;
      await broker.publish(bad).catch(() => (rejected = true));
      ok(rejected, "publishing a BigInt argument rejects");
      const counts = await broker.counts(queue);
      equal(counts.pending + counts.delayed, 0, "nothing was queued");
    },
  },
  {
    name: "routes messages only to consumers of their queue",
    run: async ({ broker, queue, take }) => {
      const other = `${queue}-other`;
      await broker.publish(testEnvelope({ queue: other, name: "other" }));
      await broker.publish(testEnvelope({ queue, name: "mine" }));
      const delivery = await take();
      equal(delivery.envelope.name, "mine");
      await broker.ack(delivery);
      const otherDelivery = await take(5_000, [other]);
      equal(otherDelivery.envelope.name, "other");
      await broker.ack(otherDelivery);
      await broker.purge(other);
    },
  },
  {
    name: "one consumer reads several queues",
    run: async ({ broker, queue, consumer, scale }) => {
      const second = `${queue}-b`;
      await broker.publish(testEnvelope({ queue: second, name: "b" }));
      const c = consumer([queue, second]);
      const delivery = await nextWithin(c.iterator, 5_000 * scale);
      ok(delivery);
      equal(delivery.queue, second);
      await broker.ack(delivery);
      c.stop();
    },
  },
  {
    name: "counts pending and inflight messages",
    run: async ({ broker, queue, take }) => {
      await broker.publishMany([testEnvelope({ queue }), testEnvelope({ queue })]);
      equal((await broker.counts(queue)).pending, 2);
      const delivery = await take();
      const counts = await broker.counts(queue);
      equal(counts.pending, 1, "pending");
      equal(counts.inflight, 1, "inflight");
      await broker.ack(delivery);
      equal((await broker.counts(queue)).inflight, 0);
    },
  },
  {
    name: "nack with requeue delivers the message again",
    run: async ({ broker, queue, take }) => {
      const envelope = testEnvelope({ queue });
      await broker.publish(envelope);
      await broker.nack(await take(), { requeue: true });
      const again = await take();
      equal(again.envelope.id, envelope.id);
      await broker.ack(again);
    },
  },
  {
    name: "nack without requeue drops the message",
    run: async ({ broker, queue, take }) => {
      await broker.publish(testEnvelope({ queue }));
      await broker.nack(await take(), { requeue: false });
      deepEqual(await broker.counts(queue), { pending: 0, inflight: 0, delayed: 0, dead: 0 });
    },
  },
  {
    name: "purge removes pending and delayed messages",
    run: async ({ broker, queue }) => {
      await broker.publish(testEnvelope({ queue }));
      await broker.publish(testEnvelope({ queue, notBefore: Date.now() + 60_000 }));
      equal(await broker.purge(queue), 2);
      const counts = await broker.counts(queue);
      equal(counts.pending + counts.delayed, 0);
    },
  },
  {
    name: "prefetch bounds unsettled deliveries per consumer",
    run: async ({ broker, queue, consumer, scale }) => {
      await broker.publishMany([1, 2, 3].map(() => testEnvelope({ queue })));
      const c = consumer([queue], 2);
      const a = await nextWithin(c.iterator, 5_000 * scale);
      const b = await nextWithin(c.iterator, 5_000 * scale);
      ok(a && b);
      const blocked = c.iterator.next();
      const raced = await Promise.race([
        blocked.then(() => "delivered"),
        new Promise((r) => setTimeout(() => r("held"), 200 * scale)),
      ]);
      equal(raced, "held", "a third delivery waits until one is settled");
      await broker.ack(a);
      const third = await blocked;
      ok(!third.done);
      await broker.ack(third.value);
      await broker.ack(b);
      c.stop();
    },
  },
  {
    name: "concurrent consumers never receive the same leased message twice",
    run: async ({ broker, queue, consumer, scale }) => {
      const total = 40;
      await broker.publishMany(
        Array.from({ length: total }, () => testEnvelope({ queue, visibilityTimeout: 60_000 })),
      );
      // Nothing is acked until every message was seen, so an early redelivery would show up.
      const held: Delivery[] = [];
      const drain = async () => {
        const c = consumer([queue], total);
        while (held.length < total) {
          const d = await nextWithin(c.iterator, 2_000 * scale);
          if (!d) break;
          held.push(d);
        }
        c.stop();
      };
      await Promise.all([drain(), drain(), drain()]);
      const ids = held.map((d) => d.envelope.id);
      equal(new Set(ids).size, ids.length, "no message delivered twice while leased");
      equal(ids.length, total, "every message delivered");
      for (const d of held) await broker.ack(d);
      equal((await broker.counts(queue)).inflight, 0);
    },
  },
  {
    name: "an aborted consumer ends its iteration",
    run: async ({ consumer, scale }) => {
      const c = consumer();
      const pending = c.iterator.next();
      c.stop();
      const result = await Promise.race([
        pending,
        new Promise((r) => setTimeout(() => r("still waiting"), 3_000 * scale)),
      ]);
      ok(result !== "still waiting", "the iterator finished after abort");
      equal((result as IteratorResult<Delivery>).done, true, "abort ends the iteration");
    },
  },
];
