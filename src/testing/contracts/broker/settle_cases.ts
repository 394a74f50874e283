/**
 * Broker contract cases for prefetch accounting and delivery counts: a settle that throws, or a
 * lease that passes without a settle, gives its prefetch unit back; `deliveryCount` counts
 * redeliveries.
 *
 * @module
 */
import type { Broker, Delivery } from "../../../broker/broker.ts";
import type { DeadLetterStore } from "../../../broker/dead_letter_store.ts";
import { equal, ok } from "../../assert.ts";
import { type BrokerContractOptions, testEnvelope } from "../../broker_contract.ts";
import { nextWithin, uniqueName } from "../../contract_harness.ts";

/** A broker whose settles can be made to fail, for {@link runSettleCases}. */
export interface FaultyBroker {
  /** The broker; its own settle and accounting code runs, only the I/O under it fails. */
  broker: Broker & DeadLetterStore;
  /** From now on every ack, nack and deadLetter throws. */
  breakSettles(): Promise<void> | void;
  /** Settles work again. */
  repair(): Promise<void> | void;
  /** Releases what the fault needed, after the broker closed. */
  close?(): Promise<void>;
}

/** {@link BrokerContractOptions} plus a way to make settles fail. */
export interface SettleCaseOptions extends BrokerContractOptions {
  /**
   * Makes a broker whose settles can be broken deterministically (a lock held by another
   * connection, a fault injected under the adapter's settle calls). Without it the throwing-settle
   * case is skipped with that reason.
   */
  createFaulty?: () => Promise<FaultyBroker>;
  /** Why `createFaulty` is missing (shown on the skipped case). */
  noFaultsReason?: string;
}

const PREFETCH = 4;

/**
 * Registers the settle and delivery-count cases. Call it beside `runBrokerContract` with the same
 * options (plus `createFaulty`).
 *
 * @example
 * ```ts ignore
 * import * as api from "node:test";
 * import { runSettleCases } from "./settle_cases.ts";
 * import { InMemoryBroker } from "../../../../adapters/memory/memory_broker.ts";
 * runSettleCases({ name: "memory", api, create: () => Promise.resolve(new InMemoryBroker()) });
 * ```
 */
export function runSettleCases(options: SettleCaseOptions): void {
  const { api } = options;
  const scale = options.timeScale ?? 1;
  let queue = "";
  const cleanups: (() => Promise<void> | void)[] = [];

  const open = async (make: () => Promise<Broker & DeadLetterStore>) => {
    const broker = await make();
    cleanups.push(() => (options.dispose ? options.dispose(broker) : broker.close()));
    return broker;
  };
  const consumer = (broker: Broker, prefetch: number) => {
    const controller = new AbortController();
    cleanups.unshift(() => controller.abort());
    return broker.consume({ queues: [queue], prefetch, signal: controller.signal })[
      Symbol.asyncIterator
    ]();
  };
  const takeN = async (iterator: AsyncIterator<Delivery>, n: number, what: string) => {
    const got: Delivery[] = [];
    for (let i = 0; i < n; i++) {
      const delivery = await nextWithin(iterator, 10_000 * scale);
      ok(delivery, `Expected ${n} ${what} deliveries within ${10_000 * scale} ms; got ${i}`);
      got.push(delivery);
    }
    return got;
  };
  const publishMany = async (broker: Broker, n: number, visibilityTimeout: number) => {
    for (let i = 0; i < n; i++) {
      await broker.publish(testEnvelope({ queue, args: { i }, visibilityTimeout }));
    }
  };

  api.describe(`Broker contract (settles): ${options.name}`, () => {
    api.beforeEach(() => {
      queue = uniqueName("settle");
    });
    api.afterEach(async () => {
      for (const cleanup of cleanups.splice(0)) await cleanup();
    });

    api.test(
      "a settle that throws gives its prefetch unit back",
      { skip: options.createFaulty ? false : options.noFaultsReason ?? "no way to break settles" },
      async () => {
        const faulty = await options.createFaulty!();
        cleanups.push(async () => {
          await (options.dispose ? options.dispose(faulty.broker) : faulty.broker.close());
          await faulty.close?.();
        });
        const { broker } = faulty;
        // Long leases: only the failed settles can give these units back within the test.
        await publishMany(broker, PREFETCH * 2, 120_000);
        const iterator = consumer(broker, PREFETCH);
        const first = await takeN(iterator, PREFETCH, "first");
        await faulty.breakSettles();
        const settles = [
          (d: Delivery) => broker.ack(d),
          (d: Delivery) => broker.nack(d, { requeue: true }),
          (d: Delivery) => broker.deadLetter(d, "contract"),
          (d: Delivery) =>
            broker.nack(d, {
              requeue: true,
              envelope: { ...d.envelope, queue: `${queue}-retry`, attempt: 1 },
            }),
        ];
        for (const [i, delivery] of first.entries()) {
          let threw = false;
          await settles[i % settles.length](delivery).catch(() => (threw = true));
          ok(threw, `settle #${i} was expected to throw while settles are broken`);
        }
        await faulty.repair();
        const next = await takeN(iterator, PREFETCH, "further");
        equal(next.length, PREFETCH);
      },
    );

    api.test("a lease that passes without a settle gives its prefetch unit back", async () => {
      const broker = await open(options.create);
      await publishMany(broker, PREFETCH * 2, 300 * scale);
      const iterator = consumer(broker, PREFETCH);
      await takeN(iterator, PREFETCH, "first");
      // None is settled: the leases pass and the consumer must take PREFETCH more.
      const next = await takeN(iterator, PREFETCH, "further");
      equal(next.length, PREFETCH);
    });

    api.test("deliveryCount is 1, then +1 for a requeue and for a lease that passed", async () => {
      const broker = await open(options.create);
      await broker.publish(testEnvelope({ queue, visibilityTimeout: 300 * scale }));
      const take = async () => {
        const iterator = consumer(broker, 1);
        const [delivery] = await takeN(iterator, 1, "counted");
        await iterator.return?.();
        return delivery;
      };
      const first = await take();
      equal(first.deliveryCount, 1);
      await broker.nack(first, { requeue: true });
      const second = await take();
      equal(second.deliveryCount, 2);
      const third = await take(); // after the lease of `second` passed
      equal(third.deliveryCount, 3);
      equal(third.envelope.id, first.envelope.id);
      await broker.ack(third);
    });
  });
}
