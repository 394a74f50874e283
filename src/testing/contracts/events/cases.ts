import type { BusMessage, EventBus, EventBusCapabilities } from "../../../workflow/event_bus.ts";
import { deepEqual, equal, ok } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import { type ContractCase, type StoreTestContext, within } from "../contract_case.ts";

/** One event-bus conformance case. */
export type EventBusCase = ContractCase<StoreTestContext<EventBus>, EventBusCapabilities>;

function collector(): {
  messages: BusMessage[];
  next: (n: number) => Promise<void>;
  fn: (m: BusMessage) => void;
} {
  const messages: BusMessage[] = [];
  let waiters: (() => void)[] = [];
  return {
    messages,
    fn: (m) => {
      messages.push(m);
      const w = waiters;
      waiters = [];
      for (const wake of w) wake();
    },
    next: async (n) => {
      while (messages.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    },
  };
}

/** Publish/subscribe by topic. */
export const eventBusCases: EventBusCase[] = [
  {
    name: "a subscriber receives a message published on its topic",
    run: async ({ store }) => {
      const topic = uniqueName("bus");
      const c = collector();
      const off = await store.subscribe(topic, c.fn);
      await store.publish(topic, { value: 1 });
      await within(c.next(1), 5_000, "the message arrives");
      equal(c.messages[0].topic, topic);
      deepEqual(c.messages[0].payload, { value: 1 });
      await off();
    },
  },
  {
    name: "subscribers see only their topic and every subscriber gets each message once",
    run: async ({ store }) => {
      const topic = uniqueName("bus");
      const a = collector();
      const b = collector();
      const other = collector();
      const offs = [
        await store.subscribe(topic, a.fn),
        await store.subscribe(topic, b.fn),
        await store.subscribe(uniqueName("bus-other"), other.fn),
      ];
      await store.publish(topic, 1);
      await store.publish(topic, 2);
      await within(Promise.all([a.next(2), b.next(2)]), 5_000, "both subscribers get both");
      deepEqual(a.messages.map((m) => m.payload), [1, 2]);
      deepEqual(b.messages.map((m) => m.payload), [1, 2]);
      equal(other.messages.length, 0);
      for (const off of offs) await off();
    },
  },
  {
    name: "after unsubscribe no message arrives",
    run: async ({ store }) => {
      const topic = uniqueName("bus");
      const gone = collector();
      const stays = collector();
      const off = await store.subscribe(topic, gone.fn);
      const off2 = await store.subscribe(topic, stays.fn);
      await off();
      await off();
      await store.publish(topic, "x");
      await within(stays.next(1), 5_000, "the remaining subscriber gets it");
      equal(gone.messages.length, 0);
      await off2();
    },
  },
  {
    name: "a large message (over 8000 bytes, past Postgres NOTIFY's limit) arrives whole",
    run: async ({ store }) => {
      const topic = uniqueName("bus");
      const c = collector();
      const off = await store.subscribe(topic, c.fn);
      const big = { text: "é".repeat(12_000), n: 7 };
      await store.publish(topic, big);
      await store.publish(topic, "small");
      await within(c.next(2), 5_000, "both messages arrive");
      const payloads = c.messages.map((m) => m.payload);
      ok(payloads.some((p) => JSON.stringify(p) === JSON.stringify(big)), "the large payload");
      ok(payloads.includes("small"), "the small one");
      await off();
    },
  },
  {
    name: "a message published in another process arrives",
    skip: (caps) => caps.crossProcess ? false : "events.capabilities.crossProcess is false",
    run: async ({ store, peer }) => {
      if (!peer) return;
      const other = await peer();
      const topic = uniqueName("bus");
      const c = collector();
      const off = await store.subscribe(topic, c.fn);
      await other.publish(topic, { from: "peer" });
      await within(c.next(1), 5_000, "the peer's message arrives");
      deepEqual(c.messages[0].payload, { from: "peer" });
      await off();
    },
  },
];
