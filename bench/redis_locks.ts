// Lock acquire/release and rate-limit acquires per second on a real redis-server (started on a
// free port, stopped after): the generic AtomicKv versions (KvLockStore, KvRateLimiter over
// RedisKv) against the native Lua ones (RedisLockStore, RedisRateLimiter), over TCP. Each case
// runs CONCURRENCY callers for OPS operations. Prints one JSON object.
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
    const result = {
      runtime,
      transport: "tcp",
      ops: OPS,
      concurrency: CONCURRENCY,
      lockAcquireReleasePerSecond: {
        kv: await lockCase(new KvLockStore(stores.kv)),
        native: await lockCase(stores.locks!),
      },
      rateLimitAcquirePerSecond: {
        kv: await limiterCase(new KvRateLimiter(stores.kv)),
        native: await limiterCase(stores.rateLimiter!),
      },
    };
    console.log(JSON.stringify(result));
  } finally {
    await stores.close();
  }
} finally {
  await server.stop();
}
