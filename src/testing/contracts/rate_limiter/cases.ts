import { parseRate } from "../../../rate_limit/rate.ts";
import type { RateLimiter } from "../../../rate_limit/rate_limiter.ts";
import { equal, ok } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import {
  type ContractCase,
  letTimePass,
  type StoreTestContext,
  timeNow,
} from "../contract_case.ts";

/** One RateLimiter conformance case. */
export type RateLimiterCase = ContractCase<StoreTestContext<RateLimiter>, Record<never, never>>;

const key = () => uniqueName("rate");

/** GCRA spacing, reservations, burst, independence and a race. */
export const rateLimiterCases: RateLimiterCase[] = [
  {
    name: "allows one run, then denies the next until one interval has passed",
    run: async ({ store, time }) => {
      const k = key();
      const rate = parseRate("1/m");
      const before = timeNow(time);
      equal((await store.acquire(k, rate)).allowed, true);
      const denied = await store.acquire(k, rate);
      equal(denied.allowed, false);
      ok(
        denied.retryAt >= before + 59_000 && denied.retryAt <= timeNow(time) + 60_000,
        `retryAt is one interval on (${denied.retryAt - before} ms)`,
      );
    },
  },
  {
    name: "denied holders get distinct slots one interval apart",
    run: async ({ store }) => {
      const k = key();
      const rate = parseRate("1/m");
      equal((await store.acquire(k, rate, { holder: "h0" })).allowed, true);
      const slots: number[] = [];
      for (const h of ["h1", "h2", "h3"]) {
        const d = await store.acquire(k, rate, { holder: h });
        equal(d.allowed, false);
        slots.push(d.retryAt);
      }
      ok(Math.abs(slots[1] - slots[0] - 60_000) < 1_000, "the second slot is one interval later");
      ok(Math.abs(slots[2] - slots[1] - 60_000) < 1_000, "the third slot is one more on");
    },
  },
  {
    name: "a holder redeems its reservation at its slot, not before, and only once",
    run: async ({ store, time }) => {
      const k = key();
      const rate = parseRate("5/s");
      await store.acquire(k, rate, { holder: "first" });
      const denied = await store.acquire(k, rate, { holder: "h" });
      equal(denied.allowed, false);
      const early = await store.acquire(k, rate, { holder: "h", redeem: true });
      if (timeNow(time) < denied.retryAt - 10) {
        equal(early.allowed, false, "before its slot it is still denied");
        equal(early.retryAt, denied.retryAt, "with the same slot (no second reservation)");
      }
      await letTimePass(time, Math.max(0, denied.retryAt - timeNow(time)) + 10);
      equal((await store.acquire(k, rate, { holder: "h", redeem: true })).allowed, true);
      const other = await store.acquire(k, rate);
      equal(other.allowed, false, "the redeemed slot was the holder's: the next caller waits");
    },
  },
  {
    name: "burst lets that many run back to back",
    run: async ({ store }) => {
      const k = key();
      const rate = parseRate("1/m");
      const results = [];
      for (let i = 0; i < 4; i++) {
        results.push((await store.acquire(k, rate, { burst: 3 })).allowed);
      }
      equal(results.join(), "true,true,true,false");
    },
  },
  {
    name: "keys are limited independently",
    run: async ({ store }) => {
      const rate = parseRate("1/m");
      const [a, b] = [key(), key()];
      equal((await store.acquire(a, rate)).allowed, true);
      equal((await store.acquire(b, rate)).allowed, true);
      equal((await store.acquire(a, rate)).allowed, false);
    },
  },
  {
    name: "concurrent acquires from two instances allow exactly the rate",
    run: async ({ store, peer }) => {
      const k = key();
      const other = peer ? await peer() : store;
      const rate = parseRate("1/m");
      const results = await Promise.all(
        Array.from(
          { length: 10 },
          (_, i) => (i % 2 ? other : store).acquire(k, rate, { burst: 2 }),
        ),
      );
      equal(results.filter((r) => r.allowed).length, 2, "the burst, and not one more");
    },
  },
];
