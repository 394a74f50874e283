// Lock acquire/release and rate-limit acquires per second on a real redis-server (started on a
// free port, stopped after): the generic AtomicKv versions (KvLockStore, KvRateLimiter over
// RedisKv) against the native Lua ones (RedisLockStore, RedisRateLimiter), over TCP: a free lock
// taken and released, a held lock refused, a hot rate-limit key. Each case
// runs CONCURRENCY callers for OPS operations; kv and native alternate for ROUNDS rounds and the
// medians are reported (the machine is shared: single rounds are noisy). Prints one JSON object.
// Run: `deno task bench:locks` (or `bun bench/redis_locks.ts`).
import process from "node:process";
import { startRedisServer } from "../tests/helpers/redis_server.ts";
import { connectRedis } from "../adapters/redis/mod.ts";
import { KvLockStore } from "../src/locks/kv_lock_store.ts";
import { KvRateLimiter } from "../src/rate_limit/kv_rate_limiter.ts";
import { parseRate } from "../src/rate_limit/rate.ts";
import type { LockStore } from "../src/locks/lock_store.ts";
import type { RateLimiter } from "../src/rate_limit/rate_limiter.ts";

const OPS = Number(process.env.BENCH_OPS ?? 4_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const runtime = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined" ? "bun" : "deno";

async function perSecond(op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < OPS) await op(next++);
  }));
  return Math.round(OPS / ((performance.now() - t0) / 1000));
}

const lockCase = (locks: LockStore) =>
  perSecond(async (i) => {
    const key = `k${i % 64}`;
    if (await locks.acquire(key, `o${i}`, 30_000)) await locks.release(key, `o${i}`);
  });

// One key held by someone else: every acquire is refused (kv: two scripts, native: one).
const contendedCase = (locks: LockStore) =>
  perSecond((i) => locks.acquire("held", `o${i}`, 30_000));

// One hot key at a rate far above the load: every call allowed, all contending on one TAT.
const limiterCase = (limiter: RateLimiter) =>
  perSecond((i) =>
    limiter.acquire("hot", parseRate("1000000/s"), { burst: 1_000_000, holder: `h${i}` })
  );

const server = await startRedisServer();
try {
  const stores = await connectRedis(server.url, { namespace: `bench${Date.now()}` });
  try {
    await lockCase(stores.locks!); // warm the script cache and the connection
    const kvLocks = new KvLockStore(stores.kv);
    const kvLimiter = new KvRateLimiter(stores.kv);
    const samples = {
      lockKv: [] as number[],
      lockNative: [] as number[],
      rateKv: [] as number[],
      rateNative: [] as number[],
      heldKv: [] as number[],
      heldNative: [] as number[],
    };
    await kvLocks.acquire("held", "holder", 600_000);
    await stores.locks!.acquire("held", "holder", 600_000);
    for (let round = 0; round < ROUNDS; round++) {
      samples.lockKv.push(await lockCase(kvLocks));
      samples.lockNative.push(await lockCase(stores.locks!));
      samples.heldKv.push(await contendedCase(kvLocks));
      samples.heldNative.push(await contendedCase(stores.locks!));
      samples.rateKv.push(await limiterCase(kvLimiter));
      samples.rateNative.push(await limiterCase(stores.rateLimiter!));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const result = {
      runtime,
      transport: "tcp",
      ops: OPS,
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      lockAcquireReleasePerSecond: {
        kv: median(samples.lockKv),
        native: median(samples.lockNative),
      },
      refusedLockAcquirePerSecond: {
        kv: median(samples.heldKv),
        native: median(samples.heldNative),
      },
      rateLimitAcquirePerSecond: {
        kv: median(samples.rateKv),
        native: median(samples.rateNative),
      },
    };
    console.log(JSON.stringify(result));
  } finally {
    await stores.close();
  }
} finally {
  await server.stop();
}
