// Delayed messages that fell due, on the Redis broker (over TCP and over the REST bridge): a claim
// hands them out ahead of their band's backlog, earliest due first, and a delivery leased from
// the due stream settles, extends, expires, requeues and dead-letters like any other. Before,
// promotion appended them behind the backlog, so a rate-limit deferral whose slot had come
// waited behind untried tasks (docs/rate_limits.md).
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeReceipt } from "../adapters/redis/broker/codec.ts";
import { queueKeys } from "../adapters/redis/keys.ts";
import { connectRedis, type RedisStoreSet } from "../adapters/redis/mod.ts";
import type { RunningRedisHttpBridge } from "../workers/redis_http.ts";
import type { Broker, Delivery } from "../src/broker/broker.ts";
import type { TaskStatusInput } from "../src/backend/task_status.ts";
import { eventually, nextWithin } from "../src/testing/contract_harness.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";

const skip = redisSkipReason();
let server: RedisServer | undefined;
let bridge: RunningRedisHttpBridge | undefined;
before(async () => {
  if (skip) return;
  server = await startRedisServer();
  bridge = await startBridge(server.url);
});
after(async () => {
  await bridge?.close();
  await server?.stop();
});

const ns = () => `due${Math.random().toString(36).slice(2, 10)}`;

/**
 * A notBefore `ms` past a lead long enough for the publishes that follow: a message published
 * after its time has come skips the delayed set, and CI's loaded machine once took over 150 ms
 * for a few publishes over the REST bridge, which turned the expected order around.
 */
const dueIn = (ms = 0): number => Date.now() + 400 + ms;

/** Fails clearly when the publishes were too slow for the lead (the premise of a case). */
async function stillDelayed(broker: Broker, queue: string, n: number): Promise<void> {
  assert.equal((await broker.counts(queue)).delayed, n, "the delayed messages were still delayed");
}

async function take(broker: Broker, queue: string, wait = 5_000): Promise<Delivery> {
  const controller = new AbortController();
  const it = broker.consume({ queues: [queue], signal: controller.signal })[Symbol.asyncIterator]();
  const d = await nextWithin(it, wait);
  controller.abort();
  assert.ok(d, `a delivery on ${queue}`);
  return d;
}

/** Waits until every delayed message of `queue` fell due (nothing claims meanwhile). */
async function allDue(broker: Broker, queue: string): Promise<void> {
  const counts = await eventually(() => broker.counts(queue), (c) => c.delayed === 0);
  assert.equal(counts.delayed, 0, "the delayed messages fell due");
}

function succeeded(delivery: Delivery): TaskStatusInput {
  const e = delivery.envelope;
  return {
    id: e.id,
    name: e.name,
    state: "succeeded",
    result: null,
    error: null,
    attempt: e.attempt,
    meta: {},
    progress: null,
  };
}

const transports: { kind: string; open: (namespace: string) => Promise<RedisStoreSet> }[] = [
  {
    kind: "tcp",
    open: (namespace) =>
      connectRedis(server!.url, { namespace, defaultVisibilityTimeout: 1_000, claimInterval: 100 }),
  },
  {
    kind: "http",
    open: (namespace) =>
      connectRedis(bridge!.url, {
        namespace,
        token: BRIDGE_TOKEN,
        maxIdleWait: 100,
        defaultVisibilityTimeout: 1_000,
        claimInterval: 100,
      }),
  },
];

for (const { kind, open } of transports) {
  describe(`Redis due messages (${kind})`, { skip: skip ?? undefined }, () => {
    test("a due message goes ahead of its band's older backlog, earliest due first, bands kept", async () => {
      const stores = await open(ns());
      const broker = stores.broker;
      try {
        await broker.publish(testEnvelope({ queue: "q", name: "fresh-0" }));
        await broker.publish(testEnvelope({ queue: "q", name: "fresh-1" }));
        await broker.publish(testEnvelope({ queue: "q", name: "high", priority: 5 }));
        const at = dueIn();
        await broker.publish(testEnvelope({ queue: "q", name: "due-late", notBefore: at + 100 }));
        await broker.publish(testEnvelope({ queue: "q", name: "due-early", notBefore: at }));
        await broker.publish(
          testEnvelope({ queue: "q", name: "due-high", priority: 5, notBefore: at + 50 }),
        );
        await stillDelayed(broker, "q", 3);
        await allDue(broker, "q");
        const order: string[] = [];
        for (let i = 0; i < 6; i++) {
          const d = await take(broker, "q");
          order.push(d.envelope.name);
          await broker.ack(d);
        }
        assert.deepEqual(order, [
          "due-high",
          "high",
          "due-early",
          "due-late",
          "fresh-0",
          "fresh-1",
        ]);
        assert.deepEqual(await broker.counts("q"), {
          pending: 0,
          inflight: 0,
          delayed: 0,
          dead: 0,
        });
      } finally {
        await stores.close();
      }
    });

    test("due messages a claim had no room for go before ones that fell due later", async () => {
      const namespace = ns();
      const stores = await open(namespace);
      const broker = stores.broker;
      try {
        const at = dueIn();
        for (const [name, offset] of [["a1", 0], ["a2", 10], ["a3", 20]] as const) {
          await broker.publish(testEnvelope({ queue: "q", name, notBefore: at + offset }));
        }
        await stillDelayed(broker, "q", 3);
        await allDue(broker, "q");
        const order: string[] = [];
        // This claim of one leaves a2 and a3 unread in the due stream.
        const a1 = await take(broker, "q");
        order.push(a1.envelope.name);
        await broker.ack(a1);
        await broker.publish(testEnvelope({ queue: "q", name: "fresh" }));
        const later = dueIn();
        await broker.publish(testEnvelope({ queue: "q", name: "b", notBefore: later }));
        await broker.publish(
          testEnvelope({ queue: "q", name: "c-high", priority: 3, notBefore: later + 10 }),
        );
        await stillDelayed(broker, "q", 2);
        await allDue(broker, "q");
        for (let i = 0; i < 5; i++) {
          const d = await take(broker, "q");
          order.push(d.envelope.name);
          await broker.ack(d);
        }
        assert.deepEqual(order, ["a1", "c-high", "a2", "a3", "b", "fresh"]);
        const unread = queueKeys(namespace, "q").dueUnread;
        assert.equal(await stores.transport.command(["EXISTS", unread]), 0, "no unread count left");
      } finally {
        await stores.close();
      }
    });

    test("a delivery from the due stream extends, requeues, expires and dead-letters", async () => {
      const namespace = ns();
      const stores = await open(namespace);
      const broker = stores.broker;
      try {
        const envelope = testEnvelope({ queue: "q", notBefore: dueIn() });
        await broker.publish(envelope);
        await allDue(broker, "q");
        assert.deepEqual(await broker.counts("q"), {
          pending: 1,
          inflight: 0,
          delayed: 0,
          dead: 0,
        });
        const first = await take(broker, "q");
        assert.equal(first.envelope.id, envelope.id);
        assert.equal(decodeReceipt(first.receipt).due, true, first.receipt);
        assert.deepEqual(await broker.counts("q"), {
          pending: 0,
          inflight: 1,
          delayed: 0,
          dead: 0,
        });
        await broker.extendLease(first, 2_000);
        // A requeue goes to the end of the band's own stream.
        await broker.nack(first, { requeue: true });
        const again = await take(broker, "q");
        assert.equal(again.envelope.id, envelope.id);
        assert.equal(again.deliveryCount, 2);
        assert.equal(decodeReceipt(again.receipt).due, false, again.receipt);
        await broker.ack(again);

        // Not settled: the lease (1 s default) runs out and the due stream's entry comes back.
        await broker.publish(
          testEnvelope({ queue: "q", name: "lost", notBefore: dueIn() }),
        );
        await allDue(broker, "q");
        const lost = await take(broker, "q");
        assert.equal(decodeReceipt(lost.receipt).due, true, lost.receipt);
        const back = await take(broker, "q", 10_000);
        assert.equal(back.envelope.id, lost.envelope.id);
        assert.equal(back.deliveryCount, 2);
        assert.equal(decodeReceipt(back.receipt).due, true, back.receipt);
        await broker.ack(lost); // stale: the lease was taken over
        await broker.deadLetter(back, "test");
        assert.deepEqual(await broker.counts("q"), {
          pending: 0,
          inflight: 0,
          delayed: 0,
          dead: 1,
        });
        assert.equal((await broker.getDeadLetter("q", lost.envelope.id))?.reason, "test");
        const keys = queueKeys(namespace, "q");
        assert.equal(await stores.transport.command(["XLEN", keys.due[0]]), 0, "nothing left");
        assert.equal(await stores.transport.command(["EXISTS", keys.dueUnread]), 0);
      } finally {
        await stores.close();
      }
    });

    test("a due delivery settles with its status in one script", async () => {
      const stores = await open(ns());
      try {
        await stores.broker.publish(testEnvelope({ queue: "q", notBefore: dueIn() }));
        await allDue(stores.broker, "q");
        const d = await take(stores.broker, "q");
        assert.equal(decodeReceipt(d.receipt).due, true, d.receipt);
        await stores.statuses.setAndAck(succeeded(d), {}, stores.broker, d);
        assert.equal((await stores.statuses.get(d.envelope.id))?.state, "succeeded");
        assert.deepEqual(await stores.broker.counts("q"), {
          pending: 0,
          inflight: 0,
          delayed: 0,
          dead: 0,
        });
      } finally {
        await stores.close();
      }
    });

    test("purge deletes due messages a claim left unread, not leased ones", async () => {
      const namespace = ns();
      const stores = await open(namespace);
      const broker = stores.broker;
      try {
        for (let i = 0; i < 3; i++) {
          await broker.publish(testEnvelope({ queue: "q", notBefore: dueIn() }));
        }
        await allDue(broker, "q");
        // One claim of one moves all three to the due stream and leases one; two stay unread.
        const leased = await take(broker, "q");
        assert.deepEqual(await broker.counts("q"), {
          pending: 2,
          inflight: 1,
          delayed: 0,
          dead: 0,
        });
        const unread = queueKeys(namespace, "q").dueUnread;
        assert.deepEqual(await stores.transport.command(["HGETALL", unread]), ["0", "2"]);
        assert.equal(await broker.purge("q"), 2);
        assert.equal(await stores.transport.command(["EXISTS", unread]), 0);
        assert.deepEqual(await broker.counts("q"), {
          pending: 0,
          inflight: 1,
          delayed: 0,
          dead: 0,
        });
        await broker.ack(leased);
        assert.deepEqual(await broker.counts("q"), {
          pending: 0,
          inflight: 0,
          delayed: 0,
          dead: 0,
        });
      } finally {
        await stores.close();
      }
    });

    test("an unread count above what a due stream holds is corrected by the next claim", async () => {
      const namespace = ns();
      const stores = await open(namespace);
      const broker = stores.broker;
      try {
        const unread = queueKeys(namespace, "q").dueUnread;
        await stores.transport.command(["HSET", unread, "0", "5"]);
        await broker.publish(testEnvelope({ queue: "q", name: "plain" }));
        const d = await take(broker, "q");
        assert.equal(d.envelope.name, "plain");
        await broker.ack(d);
        assert.equal(await stores.transport.command(["EXISTS", unread]), 0);
      } finally {
        await stores.close();
      }
    });

    test("a delayed-set member that does not parse is delivered as invalid", async () => {
      const namespace = ns();
      const stores = await open(namespace);
      const broker = stores.broker;
      try {
        const keys = queueKeys(namespace, "q");
        await stores.transport.command(["ZADD", keys.delayed, "1", "garbage"]);
        const d = await take(broker, "q");
        assert.ok(d.invalid, "flagged invalid");
        assert.equal(decodeReceipt(d.receipt).due, true, d.receipt);
        await broker.deadLetter(d, d.invalid.reason);
        assert.deepEqual(await broker.counts("q"), {
          pending: 0,
          inflight: 0,
          delayed: 0,
          dead: 1,
        });
      } finally {
        await stores.close();
      }
    });
  });
}
