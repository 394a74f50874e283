// Redis-specific broker and adapter behaviour beyond the contract suites.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { RedisStreamsBroker } from "../adapters/redis/broker/redis_streams_broker.ts";
import { RedisResultBackend } from "../adapters/redis/backend/redis_result_backend.ts";
import { scripts } from "../adapters/redis/_scripts.ts";
import { queueKeys } from "../adapters/redis/keys.ts";
import { stemAdapter } from "../adapters/redis/mod.ts";
import { TcpTransport } from "../adapters/redis/tcp/tcp_transport.ts";
import { KEY_LOCKING_SHEBANG } from "../adapters/redis/transport.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
import { nextWithin } from "../src/testing/contract_harness.ts";
import type { Broker, Delivery } from "../src/broker/broker.ts";
import { freePort, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";

const skip = redisSkipReason();
const server = skip ? null : await startRedisServer();
after(() => server?.stop());

const ns = () => `u${Math.random().toString(36).slice(2, 10)}`;

async function take(broker: Broker, queue: string, wait = 5_000): Promise<Delivery> {
  const controller = new AbortController();
  const it = broker.consume({ queues: [queue], signal: controller.signal })[Symbol.asyncIterator]();
  const d = await nextWithin(it, wait);
  controller.abort();
  assert.ok(d, `a delivery on ${queue}`);
  return d;
}

describe("Redis adapter", { skip: skip ?? undefined }, () => {
  test("embedded scripts match their SHA1s (regenerate with node tools/gen_redis.mjs)", () => {
    const sha1 = (s: string) => createHash("sha1").update(s).digest("hex");
    for (const script of Object.values(scripts)) {
      assert.equal(sha1(script.source), script.sha, script.name);
      assert.equal(sha1(KEY_LOCKING_SHEBANG + script.source), script.lockingSha, script.name);
      assert.equal(script.source.includes("--#include"), false, script.name);
    }
  });

  test("connection refused names the URL with the password redacted", async () => {
    const port = await freePort();
    const url = `redis://:hunter2@127.0.0.1:${port}/0`;
    await assert.rejects(
      () => RedisStreamsBroker.connect(url),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, "connection-failed");
        assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
        assert.ok(!error.message.includes("hunter2"), error.message);
        return true;
      },
    );
    await assert.rejects(() => stemAdapter.connect(url), /\*\*\*/);
  });

  test("the /db path selects the database", async () => {
    const namespace = ns();
    const stores = await stemAdapter.connect(`${server!.url}/3`, { namespace });
    const broker = stores.broker;
    await broker.publish(testEnvelope({ queue: "dbq" }));
    const db3 = await TcpTransport.connect(`${server!.url}/3`);
    const db0 = await TcpTransport.connect(server!.url);
    const key = queueKeys(namespace, "dbq").bands[0];
    assert.equal(await db3.command(["XLEN", key]), 1);
    assert.equal(await db0.command(["XLEN", key]), 0);
    await Promise.all([db3.close(), db0.close(), stores.close()]);
  });

  test("a garbage stream entry is delivered as invalid and can be dead-lettered", async () => {
    const namespace = ns();
    const broker = await RedisStreamsBroker.connect(server!.url, { namespace });
    const raw = await TcpTransport.connect(server!.url);
    const k = queueKeys(namespace, "junk");
    await raw.command(["XADD", k.bands[0], "*", "e", "{not json"]);
    await raw.command(["XADD", k.bands[0], "*", "hello", "world"]);
    const good = testEnvelope({ queue: "junk" });
    await broker.publish(good);
    const first = await take(broker, "junk");
    assert.equal(first.invalid?.reason, "malformed-envelope");
    assert.equal(first.envelope.meta["stem.raw"], "{not json");
    await broker.deadLetter(first, first.invalid!.reason, { error: first.invalid!.error });
    const second = await take(broker, "junk");
    assert.match(second.invalid!.error, /no "e" field/);
    await broker.deadLetter(second, second.invalid!.reason);
    const third = await take(broker, "junk");
    assert.equal(third.envelope.id, good.id);
    await broker.ack(third);
    const counts = await broker.counts("junk");
    assert.deepEqual(counts, { pending: 0, inflight: 0, delayed: 0, dead: 2 });
    const dead = await broker.listDeadLetters("junk");
    assert.equal(dead.entries[1].reason, "malformed-envelope");
    await Promise.all([raw.close(), broker.close()]);
  });

  test("ack after extendLease leaves nothing to redeliver", async () => {
    const broker = await RedisStreamsBroker.connect(server!.url, {
      namespace: ns(),
      claimInterval: 50,
    });
    await broker.publish(testEnvelope({ queue: "ext", visibilityTimeout: 100 }));
    const d = await take(broker, "ext");
    await broker.extendLease(d, 150);
    await broker.extendLease(d, 200);
    await broker.ack(d);
    await new Promise((r) => setTimeout(r, 300));
    const controller = new AbortController();
    const it = broker.consume({ queues: ["ext"], signal: controller.signal })
      [Symbol.asyncIterator]();
    assert.equal(await nextWithin(it, 300), null);
    controller.abort();
    assert.deepEqual(await broker.counts("ext"), { pending: 0, inflight: 0, delayed: 0, dead: 0 });
    await broker.close();
  });

  test("a delivery whose lease was taken over is stale: ack is ignored, extend throws", async () => {
    const broker = await RedisStreamsBroker.connect(server!.url, {
      namespace: ns(),
      claimInterval: 50,
    });
    await broker.publish(testEnvelope({ queue: "stale", visibilityTimeout: 100 }));
    const old = await take(broker, "stale");
    const current = await take(broker, "stale");
    assert.equal(current.envelope.id, old.envelope.id);
    assert.notEqual(current.receipt, old.receipt);
    await broker.ack(old);
    assert.equal((await broker.counts("stale")).inflight, 1, "the stale ack changed nothing");
    await assert.rejects(() => broker.extendLease(old, 1_000), { name: "LeaseLostError" });
    await broker.extendLease(current, 1_000);
    await broker.ack(current);
    assert.equal((await broker.counts("stale")).inflight, 0);
    await broker.close();
  });

  test("publishMany splits large batches and keeps priorities and delays", async () => {
    const broker = await RedisStreamsBroker.connect(server!.url, { namespace: ns() });
    const envelopes = Array.from(
      { length: 1_200 },
      (_, i) => testEnvelope({ queue: "bulk", priority: i % 10 }),
    );
    envelopes.push(testEnvelope({ queue: "bulk", notBefore: Date.now() + 60_000 }));
    await broker.publishMany(envelopes);
    assert.deepEqual(await broker.counts("bulk"), {
      pending: 1_200,
      inflight: 0,
      delayed: 1,
      dead: 0,
    });
    assert.equal((await take(broker, "bulk")).envelope.priority, 9);
    assert.equal(await broker.purge("bulk"), 1_200);
    await broker.close();
  });

  test("a backend on one URL sees statuses written by another connection", async () => {
    const namespace = ns();
    const a = await RedisResultBackend.connect(server!.url, { namespace });
    const b = await RedisResultBackend.connect(server!.url, { namespace });
    const seen = new Promise<string>((resolve) => {
      a.watch("t1", (s) => resolve(s.state));
    });
    await b.set({
      id: "t1",
      name: "n",
      state: "succeeded",
      result: 1,
      error: null,
      attempt: 0,
      meta: {},
      progress: null,
    });
    assert.equal(await seen, "succeeded");
    await Promise.all([a.close(), b.close()]);
  });
});
