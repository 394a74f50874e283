import type { DeadLetterStore } from "../../../broker/dead_letter_store.ts";
import { deepEqual, equal, ok } from "../../assert.ts";
import { testEnvelope } from "../../test_values.ts";
import type { BrokerSuiteCapabilities, BrokerTestContext } from "../broker/broker_context.ts";
import type { ContractCase } from "../contract_case.ts";

/** A broker case context plus the dead-letter store of the same adapter. */
export interface DeadLetterTestContext extends BrokerTestContext {
  /** The dead letters of `broker`. */
  deadLetters: DeadLetterStore;
}

/** One dead-letter conformance case. */
export type DeadLetterCase = ContractCase<DeadLetterTestContext, BrokerSuiteCapabilities>;

async function deadLetterOne(
  t: DeadLetterTestContext,
  reason: string,
  overrides = {},
): Promise<string> {
  const envelope = testEnvelope({ queue: t.queue, ...overrides });
  await t.broker.publish(envelope);
  await t.broker.deadLetter(await t.take(), reason);
  return envelope.id;
}

/** Dead letters: record, page, replay, purge. */
export const deadLetterCases: DeadLetterCase[] = [
  {
    name: "deadLetter moves the message to the dead-letter queue with its reason",
    run: async ({ broker, deadLetters, queue, take }) => {
      const envelope = testEnvelope({ queue });
      await broker.publish(envelope);
      await broker.deadLetter(await take(), "boom", { error: "Error: boom" });
      const counts = await broker.counts(queue);
      equal(counts.dead, 1);
      equal(counts.pending + counts.inflight, 0);
      const entry = await deadLetters.getDeadLetter(queue, envelope.id);
      ok(entry, "getDeadLetter finds the entry");
      equal(entry.reason, "boom");
      deepEqual(entry.meta, { error: "Error: boom" });
      equal(entry.envelope.id, envelope.id);
      ok(entry.deadAt > 0);
      equal(await deadLetters.getDeadLetter(queue, "missing"), null);
    },
  },
  {
    name: "listDeadLetters pages newest first",
    run: async (t) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await deadLetterOne(t, `reason-${i}`));
      const first = await t.deadLetters.listDeadLetters(t.queue, { limit: 2 });
      deepEqual(first.entries.map((e) => e.envelope.id), [ids[2], ids[1]]);
      equal(first.nextOffset, 2);
      const second = await t.deadLetters.listDeadLetters(t.queue, { limit: 2, offset: 2 });
      deepEqual(second.entries.map((e) => e.envelope.id), [ids[0]]);
      equal(second.nextOffset, null);
      equal((await t.deadLetters.listDeadLetters(t.queue, { limit: 0 })).entries.length, 0);
    },
  },
  {
    name: "listDeadLetters clamps odd limits and offsets by the one paging rule",
    run: async (t) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) ids.push(await deadLetterOne(t, `reason-${i}`));
      const list = (options: { limit?: number; offset?: number }) =>
        t.deadLetters.listDeadLetters(t.queue, options);
      const negative = await list({ limit: -5 });
      deepEqual(negative, { entries: [], nextOffset: null }, "a negative limit is an empty page");
      const fractional = await list({ limit: 1.9, offset: -3 });
      deepEqual(fractional.entries.map((e) => e.envelope.id), [ids[2]], "limit 1.9 → 1");
      equal(fractional.nextOffset, 1);
      const past = await list({ offset: 10 });
      deepEqual(past, { entries: [], nextOffset: null }, "an offset past the end");
      const all = await list({});
      equal(all.entries.length, 3, "the default page holds all three");
      equal(all.nextOffset, null);
    },
  },
  {
    name: "replayDeadLetters dry run changes nothing",
    run: async (t) => {
      await deadLetterOne(t, "boom");
      const result = await t.deadLetters.replayDeadLetters(t.queue, { dryRun: true });
      equal(result.dryRun, true);
      equal(result.entries.length, 1);
      equal((await t.broker.counts(t.queue)).dead, 1);
      equal((await t.broker.counts(t.queue)).pending, 0);
    },
  },
  {
    name: "replayDeadLetters re-publishes with attempt reset, after the delay",
    run: async (t) => {
      const id = await deadLetterOne(t, "max-retries-exhausted", { attempt: 3, maxRetries: 3 });
      const before = Date.now();
      const result = await t.deadLetters.replayDeadLetters(t.queue, { delay: 300 * t.scale });
      equal(result.dryRun, false);
      deepEqual(result.entries.map((e) => e.envelope.id), [id]);
      equal((await t.broker.counts(t.queue)).dead, 0);
      const replayed = await t.take();
      ok(Date.now() - before >= 300 * t.scale - 5, "replayed message honoured the delay");
      equal(replayed.envelope.id, id);
      equal(replayed.envelope.attempt, 0);
      await t.broker.ack(replayed);
    },
  },
  {
    name: "replayDeadLetters honours since and limit",
    run: async (t) => {
      await deadLetterOne(t, "old");
      const cut = Date.now() + 1;
      while (Date.now() < cut + 1) await Promise.resolve();
      for (let i = 0; i < 2; i++) await deadLetterOne(t, "new");
      const result = await t.deadLetters.replayDeadLetters(t.queue, { since: cut, limit: 1 });
      equal(result.entries.length, 1);
      equal(result.entries[0].reason, "new");
      equal((await t.broker.counts(t.queue)).dead, 2);
    },
  },
  {
    name: "purgeDeadLetters removes entries",
    run: async (t) => {
      for (let i = 0; i < 3; i++) await deadLetterOne(t, "x");
      equal(await t.deadLetters.purgeDeadLetters(t.queue, { limit: 2 }), 2);
      equal((await t.broker.counts(t.queue)).dead, 1);
      equal(await t.deadLetters.purgeDeadLetters(t.queue), 1);
      equal((await t.broker.counts(t.queue)).dead, 0);
    },
  },
];
