import type { Broker, BrokerCapabilities, Delivery } from "../../../broker/broker.ts";
import type { DeadLetterStore } from "../../../broker/dead_letter_store.ts";
import { ok } from "../../assert.ts";
import { nextWithin, uniqueName } from "../../contract_harness.ts";
import type { ContractCase } from "../contract_case.ts";

/** What every broker case gets: a fresh broker, a fresh queue and consumer helpers. */
export interface BrokerTestContext {
  /** The broker under test. */
  broker: Broker;
  /** A queue no other test uses. */
  queue: string;
  /** Multiplier for waits (leases, delays). */
  scale: number;
  /** Opens a consumer; `stop()` aborts it (also done after the test). */
  consumer(
    queues?: string[],
    prefetch?: number,
  ): { iterator: AsyncIterator<Delivery>; stop: () => void };
  /** The next delivery on `queues` from a new consumer (stopped after one), or a failure. */
  take(waitMs?: number, queues?: string[]): Promise<Delivery>;
  /** Aborts every consumer this test opened. */
  stopAll(): void;
  /** Opens a broker whose settles can be made to fail (closed after the case); null when none. */
  faulty: (() => Promise<FaultyBroker>) | null;
  /** Runs `cleanup` after the case (before the broker closes), even when it failed. */
  defer(cleanup: () => Promise<void> | void): void;
  /** Runs the deferred cleanups; the suite calls it. */
  cleanup(): Promise<void>;
}

/** A broker whose settles can be made to fail, for the throwing-settle case. */
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

/** What the broker cases branch on: the broker's flags, and whether settles can be broken. */
export interface BrokerSuiteCapabilities extends BrokerCapabilities {
  /** Why the fixture cannot make settles fail (no `connectFaulty`), or false when it can. */
  noSettleFaults: string | false;
}

/** One broker conformance case. */
export type BrokerCase = ContractCase<BrokerTestContext, BrokerSuiteCapabilities>;

/** Builds the context of one case around `broker`. */
export function brokerTestContext(
  broker: Broker,
  scale: number,
  faulty: (() => Promise<FaultyBroker>) | null = null,
): BrokerTestContext {
  const deferred: (() => Promise<void> | void)[] = [];
  const queue = uniqueName("contract");
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
  return {
    broker,
    queue,
    scale,
    consumer,
    take,
    stopAll: () => {
      for (const c of open.splice(0)) c.abort();
    },
    faulty,
    defer: (cleanup) => void deferred.unshift(cleanup),
    cleanup: async () => {
      for (const c of open.splice(0)) c.abort();
      for (const cleanup of deferred.splice(0)) await cleanup();
    },
  };
}

/** Skip reason for a case needing `flag`, naming the flag. */
export function needsBroker(flag: keyof BrokerCapabilities) {
  return (caps: BrokerSuiteCapabilities): string | false =>
    caps[flag] ? false : `broker.capabilities.${flag} is false`;
}
