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
import type { Broker } from "../src/broker/broker.ts";
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
        await broker.publish(testEnvelope({ id, name: "once" }));
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
