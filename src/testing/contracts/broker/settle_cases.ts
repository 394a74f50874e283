/**
 * Broker cases for prefetch accounting and delivery counts: a settle that throws, or a lease
 * that passes without a settle, gives its prefetch unit back; `deliveryCount` counts
 * redeliveries.
 *
 * @module
 */
import type { Broker, Delivery } from "../../../broker/broker.ts";
import { equal, ok } from "../../assert.ts";
import { nextWithin } from "../../contract_harness.ts";
import { testEnvelope } from "../../test_values.ts";
import type { BrokerCase, BrokerTestContext } from "./broker_context.ts";

export type { FaultyBroker } from "./broker_context.ts";

const PREFETCH = 4;

function open(t: BrokerTestContext, broker: Broker, prefetch: number): AsyncIterator<Delivery> {
  const controller = new AbortController();
  t.defer(() => controller.abort());
  return broker.consume({ queues: [t.queue], prefetch, signal: controller.signal })[
    Symbol.asyncIterator
  ]();
}

async function takeN(
  t: BrokerTestContext,
  iterator: AsyncIterator<Delivery>,
  n: number,
  what: string,
): Promise<Delivery[]> {
  const got: Delivery[] = [];
  for (let i = 0; i < n; i++) {
    const delivery = await nextWithin(iterator, 10_000 * t.scale);
    ok(delivery, `Expected ${n} ${what} deliveries within ${10_000 * t.scale} ms; got ${i}`);
    got.push(delivery);
  }
  return got;
}

async function publishN(t: BrokerTestContext, broker: Broker, n: number, lease: number) {
  for (let i = 0; i < n; i++) {
    await broker.publish(testEnvelope({ queue: t.queue, args: { i }, visibilityTimeout: lease }));
  }
}

/** Settles that fail, leases that pass, and delivery counts. */
export const settleCases: BrokerCase[] = [
  {
    name: "a settle that throws gives its prefetch unit back",
    skip: (caps) => caps.noSettleFaults,
    run: async (t) => {
      const faulty = await t.faulty!();
      t.defer(async () => {
        await faulty.broker.close();
        await faulty.close?.();
      });
      const { broker } = faulty;
      t.defer(async () => {
        await broker.purge(`${t.queue}-retry`).catch(() => 0);
        await broker.purge(t.queue).catch(() => 0);
      });
      // Long leases: only the failed settles can give these units back within the test.
      await publishN(t, broker, PREFETCH * 2, 120_000);
      const iterator = open(t, broker, PREFETCH);
      const first = await takeN(t, iterator, PREFETCH, "first");
      await faulty.breakSettles();
      const settles = [
        (d: Delivery) => broker.ack(d),
        (d: Delivery) => broker.nack(d, { requeue: true }),
        (d: Delivery) => broker.deadLetter(d, "contract"),
        (d: Delivery) =>
          broker.nack(d, {
            requeue: true,
            envelope: { ...d.envelope, queue: `${t.queue}-retry`, attempt: 1 },
          }),
      ];
      for (const [i, delivery] of first.entries()) {
        let threw = false;
        await settles[i % settles.length](delivery).catch(() => (threw = true));
        ok(threw, `settle #${i} was expected to throw while settles are broken`);
      }
      await faulty.repair();
      const next = await takeN(t, iterator, PREFETCH, "further");
      equal(next.length, PREFETCH);
    },
  },
  {
    name: "a lease that passes without a settle gives its prefetch unit back",
    run: async (t) => {
      await publishN(t, t.broker, PREFETCH * 2, 300 * t.scale);
      const iterator = open(t, t.broker, PREFETCH);
      await takeN(t, iterator, PREFETCH, "first");
      // None is settled: the leases pass and the consumer must take PREFETCH more.
      const next = await takeN(t, iterator, PREFETCH, "further");
      equal(next.length, PREFETCH);
    },
  },
  {
    name: "deliveryCount is 1, then +1 for a requeue and for a lease that passed",
    run: async (t) => {
      await t.broker.publish(testEnvelope({ queue: t.queue, visibilityTimeout: 300 * t.scale }));
      const take = async () => {
        const iterator = open(t, t.broker, 1);
        const [delivery] = await takeN(t, iterator, 1, "counted");
        await iterator.return?.();
        return delivery;
      };
      const first = await take();
      equal(first.deliveryCount, 1);
      await t.broker.nack(first, { requeue: true });
      const second = await take();
      equal(second.deliveryCount, 2);
      const third = await take(); // after the lease of `second` passed
      equal(third.deliveryCount, 3);
      equal(third.envelope.id, first.envelope.id);
      await t.broker.ack(third);
    },
  },
];
