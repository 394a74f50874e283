// A retry delayed by less than a consumer's idle wait runs when it is due, not when the wait
// ends: the broker wakes its own blocking waiters after scheduling a delayed retry.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, SimpleTaskRegistry, Stem, Worker } from "../mod.ts";
import { RedisResultBackend, RedisStreamsBroker } from "../adapters/redis/mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";

const skip = redisSkipReason();
let redis: RedisServer | undefined;
after(async () => await redis?.stop());

describe("Sub-second retry delays on Redis", { skip: skip ?? undefined }, () => {
  test("a 200 ms retry runs while the consumer would otherwise block for a minute", async () => {
    redis = await startRedisServer();
    // With a 60 s idle wait, a retry that waited for the next claim cycle would outlast the
    // 20 s waitForTask below; only an on-time promotion lets the task succeed.
    const options = { namespace: "wake", claimInterval: "60s", blockTime: "60s" } as const;
    const broker = await RedisStreamsBroker.connect(redis.url, options);
    const backend = await RedisResultBackend.connect(redis.url, { namespace: "wake" });
    const attempts: number[] = [];
    const registry = new SimpleTaskRegistry();
    registry.register(
      new FunctionTaskHandler({
        name: "flaky.once",
        options: { maxRetries: 2, retryPolicy: { defaultDelay: 200, jitter: false } },
        entrypoint: (ctx) => {
          attempts.push(ctx.attempt);
          if (ctx.attempt === 0) throw new Error("first attempt fails");
          return "ok";
        },
      }),
    );
    const worker = new Worker({ broker, backend, registry, concurrency: 4 });
    const stem = new Stem({ broker, backend, registry });
    try {
      await worker.start();
      const id = await stem.enqueue("flaky.once");
      const result = await stem.waitForTask(id, { timeout: "20s" });
      assert.equal(result.state, "succeeded", JSON.stringify(result.status));
      assert.deepEqual(attempts, [0, 1]);
    } finally {
      await worker.shutdown({ timeout: "5s" });
      await broker.close();
      await backend.close();
    }
  });
});
