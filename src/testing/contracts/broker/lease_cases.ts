import { equal, ok, rejects } from "../../assert.ts";
import { testEnvelope } from "../../test_values.ts";
import type { BrokerCase } from "./broker_context.ts";

/** Leases: expiry, extension and stale receipts. */
export const leaseCases: BrokerCase[] = [
  {
    name: "an unacked delivery is redelivered after its lease expires",
    run: async ({ broker, queue, take, scale }) => {
      const envelope = testEnvelope({ queue, visibilityTimeout: 300 * scale });
      await broker.publish(envelope);
      const first = await take();
      ok(first.leaseExpiresAt !== null, "the delivery carries its lease deadline");
      const again = await take(10_000);
      ok(Date.now() >= first.leaseExpiresAt! - 5, "not redelivered before the lease ran out");
      equal(again.envelope.id, envelope.id);
      await broker.ack(again);
      equal((await broker.counts(queue)).inflight, 0);
    },
  },
  {
    name: "extendLease postpones redelivery",
    run: async ({ broker, queue, take, scale }) => {
      const envelope = testEnvelope({ queue, visibilityTimeout: 300 * scale });
      await broker.publish(envelope);
      const first = await take();
      await broker.extendLease(first, 1_200 * scale);
      const extendedUntil = Date.now() + 1_150 * scale;
      const again = await take(10_000);
      ok(Date.now() >= extendedUntil, "redelivered only after the extended lease");
      equal(again.envelope.id, envelope.id);
      await broker.ack(again);
    },
  },
  {
    name: "settling a stale receipt leaves the redelivered copy alone",
    run: async ({ broker, queue, take, scale }) => {
      const envelope = testEnvelope({ queue, visibilityTimeout: 300 * scale });
      await broker.publish(envelope);
      const stale = await take();
      const live = await take(10_000);
      equal(live.envelope.id, envelope.id);
      await broker.ack(stale);
      await broker.nack(stale, { requeue: true });
      await broker.deadLetter(stale, "stale");
      const counts = await broker.counts(queue);
      equal(counts.inflight, 1, "the live copy is still leased");
      equal(counts.dead, 0, "a stale receipt dead-letters nothing");
      equal(counts.pending + counts.delayed, 0, "a stale receipt requeues nothing");
      await broker.ack(live);
      equal((await broker.counts(queue)).inflight, 0);
    },
  },
  {
    name: "extendLease of a settled delivery throws LeaseLostError",
    run: async ({ broker, queue, take }) => {
      await broker.publish(testEnvelope({ queue }));
      const delivery = await take();
      await broker.ack(delivery);
      await rejects(() => broker.extendLease(delivery, 1_000), "LeaseLostError");
    },
  },
];
