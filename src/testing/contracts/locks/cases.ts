import type { LockStore } from "../../../locks/lock_store.ts";
import { equal } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import { afterTime, type ContractCase, type StoreTestContext } from "../contract_case.ts";

/** One LockStore conformance case. */
export type LockCase = ContractCase<StoreTestContext<LockStore>, Record<never, never>>;

const key = () => uniqueName("lock");
const free = (owner: string | null) => owner === null;

/** Acquire, renew, release by owner, ownerOf, expiry and a race. */
export const lockCases: LockCase[] = [
  {
    name: "acquire takes a free lock; another owner is refused while it is held",
    run: async ({ store }) => {
      const k = key();
      equal(await store.ownerOf(k), null, "a lock nobody took is free");
      equal(await store.acquire(k, "a", 5_000), true);
      equal(await store.ownerOf(k), "a");
      equal(await store.acquire(k, "b", 5_000), false, "a held lock refuses another owner");
      equal(await store.ownerOf(k), "a", "a refused acquire changes nothing");
      equal(await store.acquire(k, "a", 5_000), true, "the holder may acquire again");
    },
  },
  {
    name: "release frees the lock only for its owner",
    run: async ({ store }) => {
      const k = key();
      await store.acquire(k, "a", 5_000);
      equal(await store.release(k, "b"), false, "another owner cannot release it");
      equal(await store.ownerOf(k), "a");
      equal(await store.release(k, "a"), true);
      equal(await store.ownerOf(k), null);
      equal(await store.release(k, "a"), false, "releasing a free lock is a no-op");
      equal(await store.acquire(k, "b", 5_000), true, "a released lock can be taken");
    },
  },
  {
    name: "a lock expires after its ttl and can then be taken by another owner",
    run: async ({ store, time }) => {
      const k = key();
      await store.acquire(k, "a", 300);
      equal(await afterTime(time, 300, () => store.ownerOf(k), free), null);
      equal(await store.acquire(k, "b", 5_000), true, "an expired lock counts as free");
      equal(await store.renew(k, "a", 5_000), false, "the old owner cannot renew it");
    },
  },
  {
    name: "renew by the owner restarts the ttl; renew by anyone else fails",
    run: async ({ store, time }) => {
      const k = key();
      const sentinel = key();
      await store.acquire(k, "a", 300);
      await store.acquire(sentinel, "s", 300);
      equal(await store.renew(k, "b", 60_000), false, "another owner cannot renew");
      equal(await store.renew(k, "a", 60_000), true);
      equal(await afterTime(time, 300, () => store.ownerOf(sentinel), free), null);
      equal(await store.ownerOf(k), "a", "the renewed lock outlives its first ttl");
      equal(await store.renew(key(), "a", 1_000), false, "renewing a free lock fails");
    },
  },
  {
    name: "concurrent acquires of one lock: exactly one owner wins",
    run: async ({ store, peer }) => {
      const k = key();
      const other = peer ? await peer() : store;
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? other : store).acquire(k, `o${i}`, 5_000)),
      );
      equal(results.filter(Boolean).length, 1, "one acquire succeeds");
      const winner = `o${results.indexOf(true)}`;
      equal(await store.ownerOf(k), winner);
      equal(await other.ownerOf(k), winner, "every instance sees the same owner");
    },
  },
];
