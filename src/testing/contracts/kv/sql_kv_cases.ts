import { deepEqual, equal, ok } from "../../assert.ts";
import type { TestApi } from "../../contract_harness.ts";
import { FakeClock } from "../../fake_clock.ts";
import type { AtomicKv } from "../../../kv/atomic_kv.ts";
import type { Clock } from "../../../core/clock.ts";

/** What {@link runKvCases} needs: a fresh, empty store whose TTLs follow `clock`. */
export interface KvCasesOptions {
  /** Name in the suite title. */
  name: string;
  /** The test framework (`node:test`). */
  api: TestApi;
  /** Opens an empty store that stamps TTLs with `clock`. */
  create(clock: Clock): Promise<AtomicKv & { close?(): Promise<void> }>;
}

/**
 * AtomicKv behaviour every implementation must have: atomic conditional writes, TTLs on every
 * write (an expired key reads as absent everywhere), counters whose window does not slide, and
 * prefix listing in key order. Time is a fake clock, so no case sleeps.
 */
export function runKvCases(o: KvCasesOptions): void {
  const { describe, test, afterEach } = o.api;
  describe(`AtomicKv cases: ${o.name}`, () => {
    let kv: (AtomicKv & { close?(): Promise<void> }) | null = null;
    let clock: FakeClock;
    const open = async () => {
      clock = new FakeClock(1_700_000_000_000);
      kv = await o.create(clock);
      return kv;
    };
    afterEach(async () => {
      await kv?.close?.();
      kv = null;
    });

    test("set then get returns the value; a missing key is null", async () => {
      const store = await open();
      await store.set("a", "1");
      equal(await store.get("a"), "1");
      equal(await store.get("missing"), null);
    });

    test("setIfAbsent writes once, and again after the key expired", async () => {
      const store = await open();
      ok(await store.setIfAbsent("lock", "w1", { ttl: 1_000 }));
      ok(!(await store.setIfAbsent("lock", "w2", { ttl: 1_000 })));
      equal(await store.get("lock"), "w1");
      await clock.tick(1_001);
      equal(await store.get("lock"), null);
      ok(await store.setIfAbsent("lock", "w2"));
      equal(await store.get("lock"), "w2");
    });

    test("compareAndSet and compareAndDelete act only on the expected live value", async () => {
      const store = await open();
      await store.set("k", "v1", { ttl: 500 });
      ok(!(await store.compareAndSet("k", "other", "v2")));
      ok(await store.compareAndSet("k", "v1", "v2", { ttl: 2_000 }));
      equal(await store.get("k"), "v2");
      ok(!(await store.compareAndDelete("k", "v1")));
      await clock.tick(1_000);
      equal(await store.get("k"), "v2", "the new TTL replaced the old one");
      ok(await store.compareAndDelete("k", "v2"));
      equal(await store.get("k"), null);
      await store.set("gone", "x", { ttl: 10 });
      await clock.tick(11);
      ok(!(await store.compareAndSet("gone", "x", "y")), "an expired value never matches");
    });

    test("delete reports whether a live key was removed", async () => {
      const store = await open();
      await store.set("d", "1");
      ok(await store.delete("d"));
      ok(!(await store.delete("d")));
      await store.set("e", "1", { ttl: 5 });
      await clock.tick(6);
      ok(!(await store.delete("e")));
    });

    test("increment counts from zero and keeps the TTL of the first write", async () => {
      const store = await open();
      equal(await store.increment("n"), 1);
      equal(await store.increment("n", 5), 6);
      equal(await store.increment("w", 1, { ttl: 1_000 }), 1);
      await clock.tick(600);
      equal(await store.increment("w", 1, { ttl: 1_000 }), 2);
      await clock.tick(500);
      equal(await store.get("w"), null, "the window did not slide");
      equal(await store.increment("w", 1, { ttl: 1_000 }), 1);
    });

    test("list returns live entries under a prefix in key order", async () => {
      const store = await open();
      await store.set("p:b", "2");
      await store.set("p:a", "1", { ttl: 1_000 });
      await store.set("p:c", "3", { ttl: 10 });
      await store.set("q:a", "x");
      await clock.tick(11);
      const entries = await store.list("p:");
      deepEqual(entries.map((e) => [e.key, e.value]), [["p:a", "1"], ["p:b", "2"]]);
      equal(entries[0].expiresAt, clock.now() - 11 + 1_000);
      equal(entries[1].expiresAt, null);
      equal((await store.list("p:", { limit: 1 })).length, 1);
    });

    test("now() returns a clock reading", async () => {
      const store = await open();
      const now = await store.now();
      ok(Number.isFinite(now) && now > 0);
    });
  });
}
