// The one-round-trip settle of the Redis adapter: a final status and the ack in one script call
// when the broker and the status store share a transport (issue 10).
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodeReceipt, encodeReceipt } from "../adapters/redis/broker/codec.ts";
import { connectRedis } from "../adapters/redis/mod.ts";
import { RedisStreamsBroker } from "../adapters/redis/broker/redis_streams_broker.ts";
import type { Broker, Delivery } from "../src/broker/broker.ts";
import type { TaskStatusInput } from "../src/backend/task_status.ts";
import { nextWithin } from "../src/testing/contract_harness.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
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
