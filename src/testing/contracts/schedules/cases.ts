import type { ScheduleStore } from "../../../scheduler/schedule_store.ts";
import { ScheduleVersionError } from "../../../scheduler/schedule_error.ts";
import { equal, ok } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import { afterTime, type ContractCase, type StoreTestContext, within } from "../contract_case.ts";

/** What a schedule store under test offers beyond the required methods. */
export interface ScheduleStoreCapabilities {
  /** The store implements `watchChanges`. */
  watchChanges?: boolean;
}

/** One schedule-store conformance case. */
export type ScheduleCase = ContractCase<StoreTestContext<ScheduleStore>, ScheduleStoreCapabilities>;

const entry = (id: string) => ({ id, task: "reports.build", spec: "every 1m" });

/** Schedule entries: versioned upserts, history, atomic claims of due entries, leases. */
export const scheduleCases: ScheduleCase[] = [
  {
    name: "upsert creates version 1, replaces at version 2 and keeps the run history",
    run: async ({ store }) => {
      const id = uniqueName("entry");
      const created = await store.upsert(entry(id), { nextRunAt: 1_000 });
      equal(created.version, 1);
      equal(created.totalRunCount, 0);
      const owner = uniqueName("beat");
      equal((await store.claimDue(1_000, 10, owner, 60_000)).length, 1);
      await store.recordRun(id, owner, { fireAt: 1_000, publishedAt: 1_007, nextRunAt: 61_000 });
      const replaced = await store.upsert({ ...entry(id), args: { format: "pdf" } });
      equal(replaced.version, 2);
      equal(replaced.totalRunCount, 1);
      equal(replaced.lastRunAt, 1_000);
      equal(replaced.lastDriftMs, 7);
      equal(replaced.nextRunAt, 61_000, "an upsert without nextRunAt keeps the stored one");
      equal((await store.get(id))?.args?.format, "pdf");
      ok((await store.list()).some((e) => e.id === id), "listed");
    },
  },
  {
    name: "an upsert with a stale expectedVersion is refused with ScheduleVersionError",
    run: async ({ store }) => {
      const id = uniqueName("entry");
      await store.upsert(entry(id), { nextRunAt: 5 });
      await store.upsert(entry(id), { expectedVersion: 1 });
      let refused: unknown;
      try {
        await store.upsert(entry(id), { expectedVersion: 1 });
      } catch (error) {
        refused = error;
      }
      ok(refused instanceof ScheduleVersionError, `expected ScheduleVersionError, got ${refused}`);
      equal((refused as ScheduleVersionError).actual, 2);
      equal((await store.get(id))?.version, 2);
      const missing = uniqueName("entry");
      let absent: unknown;
      try {
        await store.upsert(entry(missing), { expectedVersion: 3 });
      } catch (error) {
        absent = error;
      }
      ok(absent instanceof ScheduleVersionError, "a version for a missing entry is refused");
      equal((absent as ScheduleVersionError).actual, 0);
      equal(await store.get(missing), null);
    },
  },
  {
    name: "claimDue with a horizon ahead of now claims what is due by then (Beat's claim lead)",
    run: async ({ store }) => {
      const soon = uniqueName("soon");
      await store.upsert(entry(soon), { nextRunAt: 9_000_000_000_000 });
      const owner = uniqueName("beat");
      equal((await store.claimDue(8_999_999_999_999, 10, owner, 60_000)).length, 0);
      const claimed = await store.claimDue(9_000_000_000_050, 10, owner, 60_000);
      ok(claimed.some((e) => e.id === soon), "claimed ahead of its fire");
      await store.release(soon, owner);
      const again = await store.claimDue(9_000_000_000_050, 10, uniqueName("beat"), 60_000);
      ok(again.some((e) => e.id === soon), "released");
      await store.remove(soon);
    },
  },
  {
    name: "watchChanges hears an upsert (another process's, where the fixture opens one)",
    skip: (caps) => caps.watchChanges ? false : "the store has no watchChanges",
    run: async ({ store, peer }) => {
      if (!store.watchChanges) throw new Error("capabilities say watchChanges, the store has none");
      let heard!: () => void;
      const changed = new Promise<void>((resolve) => (heard = resolve));
      const stop = await store.watchChanges(() => heard());
      try {
        // Notifications travel through the server (NOTIFY, PUBLISH) or a poll of the stored due
        // index, so the store's own writes are heard like another process's.
        const writer = peer ? await peer() : store;
        await writer.upsert(entry(uniqueName("w")), { nextRunAt: 7_000_000_000_000 });
        await within(changed, 5_000, "the change is heard");
      } finally {
        await stop();
      }
    },
  },
  {
    name: "claimDue hands a due entry to one owner; recordRun moves it on and releases it",
    run: async ({ store }) => {
      const due = uniqueName("due");
      const later = uniqueName("later");
      const off = uniqueName("off");
      await store.upsert(entry(due), { nextRunAt: 100 });
      await store.upsert(entry(later), { nextRunAt: 10_000 });
      await store.upsert({ ...entry(off), enabled: false }, { nextRunAt: 50 });
      const a = uniqueName("beat");
      const b = uniqueName("beat");
      const mine = (await store.claimDue(200, 100, a, 60_000)).map((e) => e.id);
      ok(mine.includes(due), "the due entry is claimed");
      ok(!mine.includes(later) && !mine.includes(off), "not the later or disabled ones");
      ok(!(await store.claimDue(200, 100, b, 60_000)).some((e) => e.id === due), "one owner");
      await store.recordRun(due, a, { fireAt: 100, publishedAt: 105, nextRunAt: 160 });
      ok(!(await store.claimDue(150, 100, b, 60_000)).some((e) => e.id === due), "not yet due");
      ok((await store.claimDue(160, 100, b, 60_000)).some((e) => e.id === due), "due again");
    },
  },
  {
    name: "racing claimers: each due entry goes to exactly one",
    run: async ({ store }) => {
      const ids = [uniqueName("r"), uniqueName("r"), uniqueName("r")];
      for (const id of ids) await store.upsert(entry(id), { nextRunAt: 1 });
      const owners = [1, 2, 3, 4, 5].map(() => uniqueName("beat"));
      const results = await Promise.all(owners.map((o) => store.claimDue(10, 100, o, 60_000)));
      for (const id of ids) {
        equal(results.filter((r) => r.some((e) => e.id === id)).length, 1, `claims of ${id}`);
      }
    },
  },
  {
    name: "a claim lapses after its lease, so a crashed Beat's entry is claimed again",
    run: async ({ store, time }) => {
      const id = uniqueName("entry");
      await store.upsert(entry(id), { nextRunAt: 1 });
      ok((await store.claimDue(10, 10, uniqueName("beat"), 300)).length === 1, "first claim");
      const other = uniqueName("beat");
      const again = await afterTime(
        time,
        300,
        () => store.claimDue(10, 10, other, 60_000),
        (claimed) => claimed.some((e) => e.id === id),
      );
      ok(again.some((e) => e.id === id), "claimed by another owner after the lease");
    },
  },
  {
    name: "remove deletes an entry; nextDue is the earliest enabled fire",
    run: async ({ store }) => {
      const a = uniqueName("n");
      const b = uniqueName("n");
      await store.upsert(entry(a), { nextRunAt: 9_000_000_000_000 });
      await store.upsert(entry(b), { nextRunAt: 8_000_000_000_000 });
      const next = await store.nextDue();
      ok(next !== null && next <= 8_000_000_000_000, "the earlier fire");
      equal(await store.remove(b), true);
      equal(await store.get(b), null);
      equal(await store.remove(b), false);
    },
  },
];
