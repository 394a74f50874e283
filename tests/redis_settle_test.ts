// The one-round-trip settle and publish of the Redis adapter: a final status and the ack, or the
// `queued` status and the publish, in one script call when the broker and the status store share
// a transport (issue 10).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeReceipt, encodeReceipt } from "../adapters/redis/broker/codec.ts";
import { connectRedis } from "../adapters/redis/mod.ts";
import { RedisStreamsBroker } from "../adapters/redis/broker/redis_streams_broker.ts";
import type { Broker, Delivery } from "../src/broker/broker.ts";
import type { TaskStatusInput } from "../src/backend/task_status.ts";
import { nextWithin } from "../src/testing/contract_harness.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
import { Stem } from "../src/producer/stem.ts";
import { createSignals } from "../src/signals/stem_signals.ts";
import { queueKeys } from "../adapters/redis/keys.ts";
import { queuedStatus } from "../src/producer/producer_statuses.ts";
import { redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";

const skip = redisSkipReason();
const server = skip ? null : await startRedisServer();
after(() => server?.stop());

const ns = () => `s${Math.random().toString(36).slice(2, 10)}`;

async function take(broker: Broker, queue: string): Promise<Delivery> {
  const controller = new AbortController();
  const it = broker.consume({ queues: [queue], signal: controller.signal })[Symbol.asyncIterator]();
  const d = await nextWithin(it, 5_000);
  controller.abort();
  assert.ok(d, `a delivery on ${queue}`);
  return d;
}

function succeeded(delivery: Delivery): TaskStatusInput {
  const e = delivery.envelope;
  return {
    id: e.id,
    name: e.name,
    state: "succeeded",
    result: 42,
    error: null,
    attempt: e.attempt,
    meta: { queue: delivery.queue },
    progress: null,
  };
}

describe("Redis settle in one script", { skip: skip ?? undefined }, () => {
  test("stores the final status and acks the delivery, settles of one macrotask together", async () => {
    const stores = await connectRedis(server!.url, { namespace: ns() });
    try {
      await stores.broker.publishMany([1, 2, 3].map(() => testEnvelope({ queue: "q" })));
      // The first call loads the script (EVALSHA, then EVAL).
      const first = await take(stores.broker, "q");
      await stores.statuses.setAndAck(succeeded(first), {}, stores.broker, first);
      const a = await take(stores.broker, "q");
      const b = await take(stores.broker, "q");
      const before = stores.transport.commandCount;
      const [sa, sb] = await Promise.all([
        stores.statuses.setAndAck(succeeded(a), {}, stores.broker, a),
        stores.statuses.setAndAck(succeeded(b), {}, stores.broker, b),
      ]);
      assert.equal(stores.transport.commandCount - before, 1, "one script call for both");
      assert.equal(sa?.state, "succeeded");
      assert.ok(sb?.timestamps?.updatedAt);
      assert.equal((await stores.statuses.get(a.envelope.id))?.result, 42);
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

  test("a stale receipt acks nothing; its status is still written", async () => {
    const stores = await connectRedis(server!.url, { namespace: ns() });
    try {
      await stores.broker.publish(testEnvelope({ queue: "q" }));
      const d = await take(stores.broker, "q");
      const r = decodeReceipt(d.receipt);
      const stale = { ...d, receipt: encodeReceipt({ ...r, count: String(Number(r.count) + 1) }) };
      await stores.statuses.setAndAck(succeeded(d), {}, stores.broker, stale);
      assert.equal((await stores.statuses.get(d.envelope.id))?.state, "succeeded");
      assert.equal((await stores.broker.counts("q")).inflight, 1, "the live lease stays");
      await stores.broker.ack(d);
      assert.equal((await stores.broker.counts("q")).inflight, 0);
    } finally {
      await stores.close();
    }
  });

  test("a broker on another connection gets null: the caller writes and acks separately", async () => {
    const stores = await connectRedis(server!.url, { namespace: ns() });
    const other = await RedisStreamsBroker.connect(server!.url, { namespace: ns() });
    try {
      await other.publish(testEnvelope({ queue: "q" }));
      const d = await take(other, "q");
      assert.equal(stores.statuses.setAndAck(succeeded(d), {}, other, d), null);
      await other.ack(d);
    } finally {
      await other.close();
      await stores.close();
    }
  });
});

describe("Redis publish with the queued status in one script", { skip: skip ?? undefined }, () => {
  test("Stem.enqueue records queued and publishes in one call for the enqueues of one macrotask", async () => {
    const stores = await connectRedis(server!.url, { namespace: ns() });
    const stem = new Stem({ broker: stores.broker, backend: stores.statuses });
    try {
      // The first call loads the script (EVALSHA, then EVAL).
      await stem.enqueue("demo.task", { args: { n: 0 }, enqueueOptions: { queue: "q" } });
      const before = stores.transport.commandCount;
      const ids = await Promise.all(
        [1, 2].map((n) =>
          stem.enqueue("demo.task", { args: { n }, enqueueOptions: { queue: "q" } })
        ),
      );
      assert.equal(stores.transport.commandCount - before, 1, "one script call for both");
      for (const id of ids) {
        const status = await stores.statuses.get(id);
        assert.equal(status?.state, "queued");
        assert.equal(status?.meta.queue, "q");
        assert.ok(status?.timestamps?.createdAt);
      }
      const seen = new Set<string>();
      for (let i = 0; i < 3; i++) seen.add((await take(stores.broker, "q")).envelope.id);
      for (const id of ids) assert.ok(seen.has(id), `${id} was published`);
    } finally {
      await stores.close();
    }
  });

  test("a due-later envelope goes to the delayed set with its status recorded", async () => {
    const stores = await connectRedis(server!.url, { namespace: ns() });
    try {
      const e = testEnvelope({ queue: "q", notBefore: Date.now() + 60_000 });
      const created = await stores.statuses.createAndPublish(queuedStatus(e), {}, stores.broker, e);
      assert.equal(created, true);
      assert.equal((await stores.statuses.get(e.id))?.state, "queued");
      assert.deepEqual(await stores.broker.counts("q"), {
        pending: 0,
        inflight: 0,
        delayed: 1,
        dead: 0,
      });
    } finally {
      await stores.close();
    }
  });

  test("an existing record is left alone (false) and the envelope is published anyway", async () => {
    const stores = await connectRedis(server!.url, { namespace: ns() });
    try {
      const e = testEnvelope({ queue: "q" });
      await stores.statuses.set({ ...queuedStatus(e), state: "succeeded", result: 7 });
      const created = await stores.statuses.createAndPublish(queuedStatus(e), {}, stores.broker, e);
      assert.equal(created, false);
      const status = await stores.statuses.get(e.id);
      assert.equal(status?.state, "succeeded");
      assert.equal(status?.result, 7);
      assert.equal((await take(stores.broker, "q")).envelope.id, e.id);
    } finally {
      await stores.close();
    }
  });

  test("a publish the server refuses rejects the enqueue and records the task as failed", async () => {
    const namespace = ns();
    const stores = await connectRedis(server!.url, { namespace });
    const signals = createSignals();
    const stem = new Stem({ broker: stores.broker, backend: stores.statuses, signals });
    try {
      // A non-stream value at the band's stream key makes XADD fail inside the script.
      await stores.transport.command(["SET", queueKeys(namespace, "q").bands[0], "not a stream"]);
      let id = "";
      signals.beforeTaskPublish.connect(({ envelope }) => (id = envelope.id));
      await assert.rejects(
        stem.enqueue("demo.task", { args: {}, enqueueOptions: { queue: "q" } }),
        /WRONGTYPE/,
      );
      const status = await stores.statuses.get(id);
      assert.equal(status?.state, "failed");
      assert.match(status?.error?.message ?? "", /^Publish failed: .*WRONGTYPE/);
    } finally {
      await stores.close();
    }
  });

  test("a broker on another connection gets null: the producer creates and publishes separately", async () => {
    const stores = await connectRedis(server!.url, { namespace: ns() });
    const other = await RedisStreamsBroker.connect(server!.url, { namespace: ns() });
    try {
      const e = testEnvelope({ queue: "q" });
      assert.equal(stores.statuses.createAndPublish(queuedStatus(e), {}, other, e), null);
      assert.equal(await stores.broker.counts("q").then((c) => c.pending), 0);
      const stem = new Stem({ broker: other, backend: stores.statuses });
      const id = await stem.enqueue("demo.task", { args: {}, enqueueOptions: { queue: "q" } });
      assert.equal((await stores.statuses.get(id))?.state, "queued");
      assert.equal((await take(other, "q")).envelope.id, id);
    } finally {
      await other.close();
      await stores.close();
    }
  });
});
