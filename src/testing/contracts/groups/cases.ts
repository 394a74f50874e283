import { MetaKey } from "../../../core/meta_keys.ts";
import type { GroupStore } from "../../../backend/group_store.ts";
import type { TaskStatus, TaskStatusInput } from "../../../backend/task_status.ts";
import { equal, ok } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import { testStatus } from "../../test_values.ts";
import { afterTime, type ContractCase, type StoreTestContext, timeNow } from "../contract_case.ts";

/** One group-store conformance case. */
export type GroupCase = ContractCase<StoreTestContext<GroupStore>, Record<never, never>>;

function stored(input: Partial<TaskStatusInput>, now: number): TaskStatus {
  return { ...testStatus(input), timestamps: { createdAt: now, updatedAt: now } } as TaskStatus;
}

/** Groups and chord claims. */
export const groupCases: GroupCase[] = [
  {
    name: "groups collect member results",
    run: async ({ store, time }) => {
      const id = uniqueName("group");
      await store.initGroup({ id, expected: 2, meta: { kind: "test" } });
      const s1 = stored({ state: "succeeded", result: 1 }, timeNow(time));
      const s2 = stored({ state: "failed" }, timeNow(time));
      const after1 = await store.addGroupResult(id, s1);
      ok(after1);
      equal(Object.keys(after1.results).length, 1);
      const after2 = await store.addGroupResult(id, s2);
      ok(after2);
      equal(Object.keys(after2.results).length, 2);
      const group = await store.getGroup(id);
      ok(group);
      equal(group.expected, 2);
      equal(group.meta.kind, "test");
      equal(group.results[s1.id].result, 1);
      equal(group.results[s2.id].state, "failed");
    },
  },
  {
    name: "adding a result twice for one task counts it once",
    run: async ({ store, time }) => {
      const id = uniqueName("group");
      await store.initGroup({ id, expected: 2 });
      const s1 = stored({ state: "succeeded" }, timeNow(time));
      await store.addGroupResult(id, s1);
      const again = await store.addGroupResult(id, s1);
      ok(again);
      equal(Object.keys(again.results).length, 1);
    },
  },
  {
    name: "addGroupResult on a missing group returns null",
    run: async ({ store, time }) => {
      const s1 = stored({ state: "succeeded" }, timeNow(time));
      equal(await store.addGroupResult(uniqueName("missing"), s1), null);
      equal(await store.getGroup(uniqueName("missing")), null);
    },
  },
  {
    name: "a group expires after its ttl",
    run: async ({ store, time }) => {
      const id = uniqueName("group");
      await store.initGroup({ id, expected: 1, ttl: 300 });
      ok(await store.getGroup(id));
      equal(await afterTime(time, 300, () => store.getGroup(id), (g) => g === null), null);
    },
  },
  {
    name: "claimChord admits exactly one claimant",
    run: async ({ store }) => {
      const id = uniqueName("chord");
      await store.initGroup({ id, expected: 1 });
      const claims = await Promise.all(
        Array.from({ length: 5 }, (_, i) => store.claimChord(id, `cb-${i}`)),
      );
      equal(claims.filter(Boolean).length, 1);
      equal(await store.claimChord(id, "late"), false);
      const group = await store.getGroup(id);
      ok(group);
      ok(String(group.meta[MetaKey.chordCallbackTaskId]).startsWith("cb-"));
    },
  },
  {
    name: "initGroup resets results and the chord claim",
    run: async ({ store, time }) => {
      const id = uniqueName("chord");
      await store.initGroup({ id, expected: 1 });
      await store.addGroupResult(id, stored({ state: "succeeded" }, timeNow(time)));
      equal(await store.claimChord(id, "cb"), true);
      await store.initGroup({ id, expected: 1 });
      const group = await store.getGroup(id);
      ok(group);
      equal(Object.keys(group.results).length, 0);
      equal(await store.claimChord(id, "cb2"), true);
    },
  },
];
