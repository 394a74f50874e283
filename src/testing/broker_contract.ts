import type { Broker, Delivery } from "../broker/broker.ts";
import type { DeadLetterStore } from "../broker/dead_letter_store.ts";
import type { Envelope } from "../core/envelope.ts";
import { uuidv7 } from "../core/ids.ts";
import { deepEqual, equal, ok, rejects } from "./assert.ts";
import { nextWithin, type TestApi, uniqueName } from "./contract_harness.ts";

/** How an adapter plugs into {@link runBrokerContract}. */
export interface BrokerContractOptions {
  /** Adapter name shown in test titles. */
  name: string;
  /** Makes a fresh broker for one test. */
  create: () => Promise<Broker & DeadLetterStore>;
  /** Tears it down. @default broker.close() */
  dispose?: (broker: Broker & DeadLetterStore) => Promise<void>;
  /** The test framework: the exports of the runtime's node-compatible `test` module. */
  api: TestApi;
  /** Static capabilities; a test needing one the adapter lacks is skipped with a reason. */
  capabilities?: { priority?: boolean };
  /**
   * Multiplies the short waits (leases, delays) for adapters whose timing is coarse.
   * @default 1
   */
  timeScale?: number;
}

/** Builds a valid envelope for tests; override any field. */
export function testEnvelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    v: 1,
    id: uuidv7(),
    name: "contract.task",
    args: { n: 1 },
    headers: {},
    meta: {},
    queue: "default",
    priority: 0,
    attempt: 0,
    maxRetries: 0,
    notBefore: null,
    expires: null,
    enqueuedAt: Date.now(),
    ...overrides,
  };
}

/**
 * Registers the Broker conformance tests. Every adapter runs the same suite.
 *
 * @example
 * ```ts ignore
 * import * as api from "node:test";
 * import { runBrokerContract } from "./broker_contract.ts";
 * import { InMemoryBroker } from "../../adapters/memory/memory_broker.ts";
 * runBrokerContract({ name: "memory", api, create: () => Promise.resolve(new InMemoryBroker()) });
 * ```
 */
export function runBrokerContract(options: BrokerContractOptions): void {
  const { api } = options;
  const scale = options.timeScale ?? 1;
  let broker: Broker & DeadLetterStore;
  let queue: string;
  const open: AbortController[] = [];

  const consumer = (queues: string[] = [queue], prefetch = 1) => {
    const controller = new AbortController();
    open.push(controller);
    const iterator = broker.consume({ queues, prefetch, signal: controller.signal })[
      Symbol.asyncIterator
    ]();
    return { iterator, stop: () => controller.abort() };
  };
  const take = async (wait = 5_000, queues?: string[]): Promise<Delivery> => {
    const c = consumer(queues);
    const delivery = await nextWithin(c.iterator, wait * scale);
    c.stop();
    ok(delivery, `Expected a delivery on ${queues ?? [queue]} within ${wait * scale} ms`);
    return delivery;
  };

  api.describe(`Broker contract: ${options.name}`, () => {
    api.beforeEach(async () => {
      broker = await options.create();
      queue = uniqueName("contract");
    });
    api.afterEach(async () => {
      for (const c of open.splice(0)) c.abort();
      await broker.purge(queue).catch(() => 0);
      await broker.purgeDeadLetters(queue).catch(() => 0);
      await (options.dispose ? options.dispose(broker) : broker.close());
    });

    api.test("publish → consume → ack removes the message", async () => {
      const envelope = testEnvelope({ queue, args: { hello: "world" } });
      await broker.publish(envelope);
      const delivery = await take();
      equal(delivery.envelope.id, envelope.id);
      deepEqual(delivery.envelope.args, { hello: "world" });
      equal(delivery.queue, queue);
      await broker.ack(delivery);
      deepEqual(await broker.counts(queue), { pending: 0, inflight: 0, delayed: 0, dead: 0 });
    });

    api.test("envelopes round-trip every wire field", async () => {
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
    });

    api.test("routes messages only to consumers of their queue", async () => {
      const other = `${queue}-other`;
      await broker.publish(testEnvelope({ queue: other, name: "other" }));
      await broker.publish(testEnvelope({ queue, name: "mine" }));
      const delivery = await take();
      equal(delivery.envelope.name, "mine");
      await broker.ack(delivery);
      const otherDelivery = await take(5_000, [other]);
      equal(otherDelivery.envelope.name, "other");
      await broker.ack(otherDelivery);
    });

    api.test("one consumer reads several queues", async () => {
      const second = `${queue}-b`;
      await broker.publish(testEnvelope({ queue: second, name: "b" }));
      const c = consumer([queue, second]);
      const delivery = await nextWithin(c.iterator, 5_000 * scale);
      ok(delivery);
      equal(delivery.queue, second);
      await broker.ack(delivery);
      c.stop();
    });

    api.test("counts pending and inflight messages", async () => {
      await broker.publishMany([testEnvelope({ queue }), testEnvelope({ queue })]);
      equal((await broker.counts(queue)).pending, 2);
      const delivery = await take();
      const counts = await broker.counts(queue);
      equal(counts.pending, 1, "pending");
      equal(counts.inflight, 1, "inflight");
      await broker.ack(delivery);
      equal((await broker.counts(queue)).inflight, 0);
    });

    api.test("nack with requeue delivers the message again", async () => {
      const envelope = testEnvelope({ queue });
      await broker.publish(envelope);
      await broker.nack(await take(), { requeue: true });
      const again = await take();
      equal(again.envelope.id, envelope.id);
      await broker.ack(again);
    });

    api.test("nack without requeue drops the message", async () => {
      await broker.publish(testEnvelope({ queue }));
      await broker.nack(await take(), { requeue: false });
      deepEqual(await broker.counts(queue), { pending: 0, inflight: 0, delayed: 0, dead: 0 });
    });

    api.test("nack can requeue a replacement envelope that waits for its notBefore", async () => {
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
    });

    api.test("deadLetter moves the message to the dead-letter queue with its reason", async () => {
      const envelope = testEnvelope({ queue });
      await broker.publish(envelope);
      await broker.deadLetter(await take(), "boom", { error: "Error: boom" });
      const counts = await broker.counts(queue);
      equal(counts.dead, 1);
      equal(counts.pending + counts.inflight, 0);
      const entry = await broker.getDeadLetter(queue, envelope.id);
      ok(entry, "getDeadLetter finds the entry");
      equal(entry.reason, "boom");
      deepEqual(entry.meta, { error: "Error: boom" });
      equal(entry.envelope.id, envelope.id);
      ok(entry.deadAt > 0);
      equal(await broker.getDeadLetter(queue, "missing"), null);
    });

    api.test("listDeadLetters pages newest first", async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const envelope = testEnvelope({ queue });
        ids.push(envelope.id);
        await broker.publish(envelope);
        await broker.deadLetter(await take(), `reason-${i}`);
      }
      const first = await broker.listDeadLetters(queue, { limit: 2 });
      deepEqual(first.entries.map((e) => e.envelope.id), [ids[2], ids[1]]);
      equal(first.nextOffset, 2);
      const second = await broker.listDeadLetters(queue, { limit: 2, offset: 2 });
      deepEqual(second.entries.map((e) => e.envelope.id), [ids[0]]);
      equal(second.nextOffset, null);
      equal((await broker.listDeadLetters(queue, { limit: 0 })).entries.length, 0);
    });

    api.test("replayDeadLetters dry run changes nothing", async () => {
      await broker.publish(testEnvelope({ queue }));
      await broker.deadLetter(await take(), "boom");
      const result = await broker.replayDeadLetters(queue, { dryRun: true });
      equal(result.dryRun, true);
      equal(result.entries.length, 1);
      equal((await broker.counts(queue)).dead, 1);
      equal((await broker.counts(queue)).pending, 0);
    });

    api.test("replayDeadLetters re-publishes with attempt reset, after the delay", async () => {
      const envelope = testEnvelope({ queue, attempt: 3, maxRetries: 3 });
      await broker.publish(envelope);
      await broker.deadLetter(await take(), "max-retries-exhausted");
      const before = Date.now();
      const result = await broker.replayDeadLetters(queue, { delay: 300 * scale });
      equal(result.dryRun, false);
      deepEqual(result.entries.map((e) => e.envelope.id), [envelope.id]);
      equal((await broker.counts(queue)).dead, 0);
      const replayed = await take();
      ok(Date.now() - before >= 300 * scale - 5, "replayed message honoured the delay");
      equal(replayed.envelope.id, envelope.id);
      equal(replayed.envelope.attempt, 0);
      await broker.ack(replayed);
    });

    api.test("replayDeadLetters honours since and limit", async () => {
      await broker.publish(testEnvelope({ queue }));
      await broker.deadLetter(await take(), "old");
      const cut = Date.now() + 1;
      while (Date.now() < cut + 1) await Promise.resolve();
      for (let i = 0; i < 2; i++) {
        await broker.publish(testEnvelope({ queue }));
        await broker.deadLetter(await take(), "new");
      }
      const result = await broker.replayDeadLetters(queue, { since: cut, limit: 1 });
      equal(result.entries.length, 1);
      equal(result.entries[0].reason, "new");
      equal((await broker.counts(queue)).dead, 2);
    });

    api.test("purgeDeadLetters removes entries", async () => {
      for (let i = 0; i < 3; i++) {
        await broker.publish(testEnvelope({ queue }));
        await broker.deadLetter(await take(), "x");
      }
      equal(await broker.purgeDeadLetters(queue, { limit: 2 }), 2);
      equal((await broker.counts(queue)).dead, 1);
      equal(await broker.purgeDeadLetters(queue), 1);
      equal((await broker.counts(queue)).dead, 0);
    });

    api.test("purge removes pending and delayed messages", async () => {
      await broker.publish(testEnvelope({ queue }));
      await broker.publish(testEnvelope({ queue, notBefore: Date.now() + 60_000 }));
      equal(await broker.purge(queue), 2);
      const counts = await broker.counts(queue);
      equal(counts.pending + counts.delayed, 0);
    });

    api.test("an unacked delivery is redelivered after its lease expires", async () => {
      const envelope = testEnvelope({ queue, visibilityTimeout: 300 * scale });
      await broker.publish(envelope);
      const first = await take();
      ok(first.leaseExpiresAt !== null, "the delivery carries its lease deadline");
      const again = await take(10_000);
      ok(Date.now() >= first.leaseExpiresAt! - 5, "not redelivered before the lease ran out");
      equal(again.envelope.id, envelope.id);
      await broker.ack(again);
      equal((await broker.counts(queue)).inflight, 0);
    });

    api.test("extendLease postpones redelivery", async () => {
      const envelope = testEnvelope({ queue, visibilityTimeout: 300 * scale });
      await broker.publish(envelope);
      const first = await take();
      await broker.extendLease(first, 1_200 * scale);
      const extendedUntil = Date.now() + 1_150 * scale;
      const again = await take(10_000);
      ok(Date.now() >= extendedUntil, "redelivered only after the extended lease");
      equal(again.envelope.id, envelope.id);
      await broker.ack(again);
    });

    api.test("settling a stale receipt leaves the redelivered copy alone", async () => {
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
    });

    api.test("extendLease of a settled delivery throws LeaseLostError", async () => {
      await broker.publish(testEnvelope({ queue }));
      const delivery = await take();
      await broker.ack(delivery);
      await rejects(() => broker.extendLease(delivery, 1_000), "LeaseLostError");
    });

    api.test("delayed messages stay invisible until due", async () => {
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
    });

    const noPriority = options.capabilities?.priority === false
      ? `${options.name} does not support priorities`
      : false;
    api.test("higher priority is delivered first", { skip: noPriority }, async () => {
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
    });

    api.test("prefetch bounds unsettled deliveries per consumer", async () => {
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
    });

    api.test("concurrent consumers never receive the same leased message twice", async () => {
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
    });

    api.test("an aborted consumer ends its iteration", async () => {
      const c = consumer();
      const pending = c.iterator.next();
      c.stop();
      const result = await Promise.race([
        pending,
        new Promise((r) => setTimeout(() => r("still waiting"), 3_000 * scale)),
      ]);
      ok(result !== "still waiting", "the iterator finished after abort");
      equal((result as IteratorResult<Delivery>).done, true, "abort ends the iteration");
    });
  });
}
