import type { RevokeEntry, RevokeStore } from "../../../control/revoke_store.ts";
import { equal, ok } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import { afterTime, type ContractCase, type StoreTestContext, timeNow } from "../contract_case.ts";

/** One revoke-store conformance case. */
export type RevokeCase = ContractCase<StoreTestContext<RevokeStore>, Record<never, never>>;

function entry(taskId: string, version: number, more: Partial<RevokeEntry> = {}): RevokeEntry {
  return {
    taskId,
    version,
    terminate: false,
    reason: `v${version}`,
    revokedAt: 1,
    expiresAt: null,
    ...more,
  };
}

/** Revocations: stored, replaced only by higher versions, listed, lapsing at their expiry. */
export const revokeCases: RevokeCase[] = [
  {
    name: "a revocation is stored and read back; an unknown task has none",
    run: async ({ store }) => {
      const taskId = uniqueName("task");
      await store.upsertAll([entry(taskId, 1, { terminate: true, reason: "stale order" })]);
      const got = await store.get(taskId);
      ok(got);
      equal(got.version, 1);
      equal(got.terminate, true);
      equal(got.reason, "stale order");
      ok((await store.list()).some((e) => e.taskId === taskId), "listed");
      equal(await store.get(uniqueName("nobody")), null);
    },
  },
  {
    name: "a higher version replaces an entry; an equal or lower one is ignored",
    run: async ({ store }) => {
      const taskId = uniqueName("task");
      await store.upsertAll([entry(taskId, 2)]);
      await store.upsertAll([entry(taskId, 1, { terminate: true })]);
      equal((await store.get(taskId))?.reason, "v2");
      await store.upsertAll([entry(taskId, 2, { reason: "same version" })]);
      equal((await store.get(taskId))?.reason, "v2");
      await store.upsertAll([entry(taskId, 3, { terminate: true })]);
      const got = await store.get(taskId);
      equal(got?.version, 3);
      equal(got?.terminate, true);
    },
  },
  {
    name: "racing writers keep the highest version",
    run: async ({ store }) => {
      const taskId = uniqueName("task");
      await Promise.all([3, 1, 5, 2, 4].map((v) => store.upsertAll([entry(taskId, v)])));
      equal((await store.get(taskId))?.version, 5);
    },
  },
  {
    name: "upsertAll stores a batch and list returns each entry once",
    run: async ({ store }) => {
      const ids = [uniqueName("t"), uniqueName("t"), uniqueName("t")];
      await store.upsertAll(ids.map((id) => entry(id, 1)));
      const listed = (await store.list()).filter((e) => ids.includes(e.taskId));
      equal(listed.length, 3);
    },
  },
  {
    name: "a revocation lapses at its expiry; one already expired is not stored",
    run: async ({ store, time }) => {
      const now = timeNow(time);
      const lapsing = uniqueName("task");
      const keeper = uniqueName("task");
      const past = uniqueName("task");
      await store.upsertAll([
        entry(lapsing, 1, { expiresAt: now + 300 }),
        entry(keeper, 1, { expiresAt: now + 3_600_000 }),
        entry(past, 1, { expiresAt: now - 1 }),
      ]);
      equal(await store.get(past), null);
      ok(await store.get(lapsing), "readable before its expiry");
      const after = await afterTime(time, 300, () => store.get(lapsing), (e) => e === null);
      equal(after, null);
      await store.pruneExpired(timeNow(time));
      ok(await store.get(keeper), "a live revocation survives pruning");
      ok(!(await store.list()).some((e) => e.taskId === lapsing), "the lapsed one is not listed");
    },
  },
];
