import type { AtomicKv, AtomicKvCapabilities } from "../../../kv/atomic_kv.ts";
import { deepEqual, equal, ok, rejects } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import { afterTime, type ContractCase, type StoreTestContext } from "../contract_case.ts";

/** One AtomicKv conformance case. */
export type KvCase = ContractCase<StoreTestContext<AtomicKv>, AtomicKvCapabilities>;

const key = (name = "k") => `${uniqueName("kv")}:${name}`;
const gone = (v: string | null) => v === null;

/** Every method of the AtomicKv, with TTLs and races. */
export const kvCases: KvCase[] = [
  {
    name: "set then get returns the value; missing keys read as null",
    run: async ({ store }) => {
      const k = key();
      await store.set(k, "v1");
      equal(await store.get(k), "v1");
      await store.set(k, "v2");
      equal(await store.get(k), "v2", "set overwrites");
      equal(await store.get(key("missing")), null);
      const odd = key("ünïcødé / spaces & {braces}");
      await store.set(odd, '{"json":[1,2]}');
      equal(await store.get(odd), '{"json":[1,2]}', "any key and value text round-trips");
    },
  },
  {
    name: "a key written with a ttl expires; one written without never does",
    run: async ({ store, time }) => {
      const short = key("short");
      const forever = key("forever");
      await store.set(short, "x", { ttl: 300 });
      await store.set(forever, "y");
      equal(await store.get(short), "x", "readable before the ttl");
      equal(await afterTime(time, 300, () => store.get(short), gone), null);
      equal(await store.get(forever), "y");
    },
  },
  {
    name: "set without a ttl clears the previous ttl",
    run: async ({ store, time }) => {
      const k = key();
      const sentinel = key("sentinel");
      await store.set(k, "a", { ttl: 300 });
      await store.set(sentinel, "s", { ttl: 300 });
      await store.set(k, "b");
      equal(await afterTime(time, 300, () => store.get(sentinel), gone), null);
      equal(await store.get(k), "b", "the rewritten key outlives the old ttl");
    },
  },
  {
    name: "setIfAbsent writes only when the key is absent or expired",
    run: async ({ store, time }) => {
      const k = key();
      equal(await store.setIfAbsent(k, "first", { ttl: 300 }), true);
      equal(await store.setIfAbsent(k, "second"), false);
      equal(await store.get(k), "first");
      await afterTime(time, 300, () => store.get(k), gone);
      equal(await store.setIfAbsent(k, "third"), true, "an expired key counts as absent");
      equal(await store.get(k), "third");
    },
  },
  {
    name: "concurrent setIfAbsent has exactly one winner",
    run: async ({ store }) => {
      const k = key();
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.setIfAbsent(k, `w${i}`)),
      );
      equal(results.filter(Boolean).length, 1);
      equal(await store.get(k), `w${results.indexOf(true)}`, "the winner's value is stored");
    },
  },
  {
    name: "compareAndSet writes only over the expected value",
    run: async ({ store, time }) => {
      const k = key();
      equal(await store.compareAndSet(k, "", "x"), false, "a missing key matches nothing");
      equal(await store.get(k), null);
      await store.set(k, "v1");
      equal(await store.compareAndSet(k, "wrong", "v2"), false);
      equal(await store.get(k), "v1");
      equal(await store.compareAndSet(k, "v1", "v2", { ttl: 300 }), true);
      equal(await store.get(k), "v2");
      equal(await afterTime(time, 300, () => store.get(k), gone), null, "with the new ttl");
    },
  },
  {
    name: "concurrent compareAndSet from one value has exactly one winner",
    run: async ({ store }) => {
      const k = key();
      await store.set(k, "0");
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => store.compareAndSet(k, "0", `w${i}`)),
      );
      equal(results.filter(Boolean).length, 1);
      equal(await store.get(k), `w${results.indexOf(true)}`);
    },
  },
  {
    name: "compareAndDelete deletes only the expected value",
    run: async ({ store }) => {
      const k = key();
      await store.set(k, "mine");
      equal(await store.compareAndDelete(k, "theirs"), false);
      equal(await store.get(k), "mine");
      equal(await store.compareAndDelete(k, "mine"), true);
      equal(await store.get(k), null);
      equal(await store.compareAndDelete(k, "mine"), false, "nothing left to delete");
    },
  },
  {
    name: "delete reports whether a live key was removed",
    run: async ({ store, time }) => {
      const k = key();
      const brief = key("brief");
      await store.set(k, "v");
      equal(await store.delete(k), true);
      equal(await store.get(k), null);
      equal(await store.delete(k), false);
      await store.set(brief, "v", { ttl: 300 });
      await afterTime(time, 300, () => store.get(brief), gone);
      equal(await store.delete(brief), false, "an expired key is not live");
    },
  },
  {
    name: "increment counts from zero, by any integer",
    run: async ({ store }) => {
      const k = key();
      equal(await store.increment(k), 1);
      equal(await store.increment(k, 5), 6);
      equal(await store.increment(k, -2), 4);
      equal(await store.get(k), "4", "the counter is stored as its decimal text");
      const results = await Promise.all(Array.from({ length: 20 }, () => store.increment(k)));
      equal(new Set(results).size, 20, "concurrent increments never return the same value");
      equal(await store.get(k), "24");
    },
  },
  {
    name: "increment sets the ttl only when it creates the key",
    run: async ({ store, time }) => {
      const k = key();
      equal(await store.increment(k, 1, { ttl: 300 }), 1);
      equal(await store.increment(k, 1, { ttl: "1h" }), 2, "a later ttl does not slide the window");
      equal(await afterTime(time, 300, () => store.get(k), gone), null);
      equal(await store.increment(k, 1, { ttl: "1h" }), 1, "after expiry it starts again");
    },
  },
  {
    name: "increment of a value that is not an integer rejects with kv-not-integer",
    run: async ({ store }) => {
      const k = key();
      await store.set(k, "twelve");
      await rejects(() => store.increment(k), "kv-not-integer");
      equal(await store.get(k), "twelve", "the value is unchanged");
    },
  },
  {
    name: "list returns live keys under a prefix, in key order",
    run: async ({ store, time }) => {
      const base = uniqueName("kv");
      await store.set(`${base}:a:2`, "two");
      await store.set(`${base}:a:1`, "one", { ttl: "1h" });
      await store.set(`${base}:a:3`, "brief", { ttl: 300 });
      await store.set(`${base}:ab`, "other prefix");
      await store.set(`${base}:b:1`, "other prefix");
      const before = await store.now();
      const all = await store.list(`${base}:a:`);
      deepEqual(all.map((e) => e.key), [`${base}:a:1`, `${base}:a:2`, `${base}:a:3`]);
      deepEqual(all.map((e) => e.value), ["one", "two", "brief"]);
      equal(all[1].expiresAt, null, "a key without ttl never expires");
      ok(all[0].expiresAt !== null && all[0].expiresAt > before, "expiresAt is in the future");
      ok(all[0].expiresAt! <= before + 3_600_000 + 1_000, "expiresAt is about an hour away");
      await afterTime(time, 300, () => store.get(`${base}:a:3`), gone);
      const live = await store.list(`${base}:a:`);
      deepEqual(live.map((e) => e.key), [`${base}:a:1`, `${base}:a:2`], "expired keys drop out");
    },
  },
  {
    name: "list pages with limit and after",
    run: async ({ store }) => {
      const base = `${uniqueName("kv")}:`;
      for (const n of [1, 2, 3, 4, 5]) await store.set(`${base}${n}`, String(n));
      const first = await store.list(base, { limit: 2 });
      deepEqual(first.map((e) => e.value), ["1", "2"]);
      const second = await store.list(base, { limit: 2, after: first[1].key });
      deepEqual(second.map((e) => e.value), ["3", "4"]);
      const rest = await store.list(base, { after: second[1].key });
      deepEqual(rest.map((e) => e.value), ["5"]);
      equal((await store.list(base, { limit: 0 })).length, 0);
      equal((await store.list(`${base}none`)).length, 0);
    },
  },
  {
    name: "now() follows the store's clock",
    run: async ({ store, time }) => {
      const a = await store.now();
      if (time.fake) equal(a, time.fake.now(), "the injected clock's time");
      await time.fake?.tick(5);
      const b = await store.now();
      ok(Number.isSafeInteger(a) && a > 1_600_000_000_000, "epoch milliseconds");
      ok(b >= a, "time does not go backwards");
    },
  },
];
