// Stale deliveries and settle failures against real stores: SQLite files and a real redis-server.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBroker } from "../adapters/sqlite/sqlite_broker.ts";
import { SqliteResultBackend } from "../adapters/sqlite/sqlite_result_backend.ts";
import { RedisResultBackend, RedisStreamsBroker } from "../adapters/redis/mod.ts";
import type { ResultBackend } from "../src/backend/result_backend.ts";
import type { Broker, Delivery } from "../src/broker/broker.ts";
import type { SetStatusOptions } from "../src/backend/status_store.ts";
import type { DeadLetterStore } from "../src/broker/dead_letter_store.ts";
import {
  FunctionTaskHandler,
  SimpleTaskRegistry,
  Stem,
  type TaskMiddleware,
  type TaskStatusInput,
  Worker,
} from "../mod.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
import { redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";

const dir = mkdtempSync(join(tmpdir(), "stem-worker-adapters-"));
const redisSkip = redisSkipReason();
const redis = redisSkip ? null : await startRedisServer();
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await redis?.stop();
});

interface Stores {
  broker: Broker;
  backend: ResultBackend;
}

let n = 0;
const adapters: Array<{ name: string; skip: string | null; open: () => Promise<Stores> }> = [
  {
    name: "sqlite",
    skip: null,
    open: async () => {
      const file = join(dir, `w-${++n}.db`);
      return {
        broker: await SqliteBroker.open(file),
        backend: await SqliteResultBackend.open(file),
      };
    },
  },
  {
    name: "redis",
    skip: redisSkip,
    open: async () => {
      const namespace = `w${++n}${Math.random().toString(36).slice(2, 8)}`;
      const quiet = () => {};
      return {
        broker: await RedisStreamsBroker.connect(redis!.url, { namespace, onError: quiet }),
        backend: await RedisResultBackend.connect(redis!.url, { namespace, onError: quiet }),
      };
    },
  },
];

/** Fails the first `count` writes of `state`, as a backend blip would. */
function blipping(backend: ResultBackend, state: string, count: number): ResultBackend {
  let left = count;
  return new Proxy(backend, {
    get(target, key) {
      if (key === "set") {
        return (status: TaskStatusInput, options?: { ttl?: number }) =>
          status.state === state && left-- > 0
            ? Promise.reject(new Error("connection reset by peer"))
            : target.set(status, options);
      }
      if (key === "setAndAck" && target.setAndAck) {
        // The one-round-trip settle writes the same status: it blips the same way.
        return (status: TaskStatusInput, ...rest: [SetStatusOptions, Broker, Delivery]) =>
          status.state === state && left-- > 0
            ? Promise.reject(new Error("connection reset by peer"))
            : target.setAndAck!(status, ...rest);
      }
      const value = Reflect.get(target, key);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

for (const adapter of adapters) {
  describe(`Worker on ${adapter.name}`, { skip: adapter.skip ?? false }, () => {
    test("defect 13: a stale copy of a succeeded task is acked unrun and the status stays succeeded", async () => {
      const { broker, backend } = await adapter.open();
      let runs = 0;
      let duplicate!: () => void;
      const sawDuplicate = new Promise<void>((resolve) => (duplicate = resolve));
      const watch: TaskMiddleware = {
        onOutcome: async (outcome, next) => {
          await next();
          if (outcome.kind === "duplicate") duplicate();
        },
      };
      const registry = new SimpleTaskRegistry([
        new FunctionTaskHandler({ name: "once", entrypoint: () => ++runs }),
      ]);
      const worker = new Worker({ broker, backend, registry, middleware: [watch] });
      await worker.start();
      const stem = new Stem({ broker, backend });
      try {
        const id = await stem.enqueue("once");
        assert.equal((await stem.waitForTask(id, { timeout: "10s" })).value, 1);
        await broker.publish(testEnvelope({ id, name: "once", parentId: "p-1" }));
        await sawDuplicate;
        assert.equal(runs, 1);
        const status = await backend.get(id);
        assert.equal(status?.state, "succeeded");
        assert.equal(status?.result, 1);
        assert.equal((await broker.counts("default")).inflight, 0, "the copy was acked");
      } finally {
        await worker.shutdown();
        await broker.close();
        await backend.close();
      }
    });

    test("defect 13: a task whose leases keep running out is dead-lettered as lease-expired-repeatedly", async () => {
      const { broker, backend } = await adapter.open();
      let runs = 0;
      const registry = new SimpleTaskRegistry([
        new FunctionTaskHandler({ name: "stuck", entrypoint: () => ++runs }),
      ]);
      const stem = new Stem({ broker, backend });
      const worker = new Worker({ broker, backend, registry });
      try {
        const id = await stem.enqueue("stuck", {
          options: { maxDeliveries: 2, visibilityTimeout: 300 },
        });
        // A consumer that takes the task and never settles it (a process that hangs or died):
        // each 300 ms lease runs out and the broker hands the message out again.
        const controller = new AbortController();
        const hung = broker.consume({ queues: ["default"], prefetch: 4, signal: controller.signal })
          [Symbol.asyncIterator]();
        const counts = [(await hung.next()).value.deliveryCount];
        counts.push((await hung.next()).value.deliveryCount);
        controller.abort();
        await hung.return?.(undefined);
        assert.deepEqual(counts, [1, 2], "the broker counts the deliveries");
        await worker.start();
        const result = await stem.waitForTask(id, { timeout: "10s" });
        assert.equal(result.status?.state, "failed");
        assert.equal(result.status?.meta.deadLetterReason, "lease-expired-repeatedly");
        const dead = await (broker as Broker & DeadLetterStore).getDeadLetter("default", id);
        assert.equal(dead?.reason, "lease-expired-repeatedly");
        assert.equal(runs, 0, "the third delivery is dead-lettered unrun");
        const counted = await broker.counts("default");
        assert.deepEqual([counted.pending, counted.inflight], [0, 0], "not redelivered");
      } finally {
        await worker.shutdown();
        await broker.close();
        await backend.close();
      }
    });

    test("defect 12: a status write that fails twice is retried and the task settles", async () => {
      const stores = await adapter.open();
      const backend = blipping(stores.backend, "succeeded", 2);
      const { broker } = stores;
      const registry = new SimpleTaskRegistry([
        new FunctionTaskHandler({ name: "t", entrypoint: () => "ok" }),
      ]);
      const worker = new Worker({ broker, backend, registry });
      await worker.start();
      const stem = new Stem({ broker, backend: stores.backend });
      try {
        const id = await stem.enqueue("t");
        assert.equal((await stem.waitForTask(id, { timeout: "10s" })).value, "ok");
        const settled = await worker.shutdown({ timeout: "5s" }).then(() =>
          broker.counts("default")
        );
        assert.equal(settled.inflight, 0, "acked after the retried write");
      } finally {
        await broker.close();
        await stores.backend.close();
      }
    });
  });
}

describe("Worker queue names on Redis", { skip: redisSkip ?? false }, () => {
  test("an invalid queue name fails loudly at construction instead of consuming nothing", async () => {
    const broker = await RedisStreamsBroker.connect(redis!.url, {
      namespace: `q${Math.random().toString(36).slice(2, 8)}`,
      onError: () => {},
    });
    try {
      assert.throws(
        () =>
          new Worker({ broker, registry: new SimpleTaskRegistry(), queues: ["ok", "bad queue"] }),
        (error: Error & { code?: string }) =>
          error.code === "invalid-queue" && error.message.includes('"bad queue"'),
      );
    } finally {
      await broker.close();
    }
  });
});
