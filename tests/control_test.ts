// Remote control on every store set with an event bus (memory, SQLite, Redis, Postgres): ping
// every worker or named ones (a missing target is reported), pause persisted across a worker
// restart (a paused queue is not consumed, resume releases it), the three shutdown modes, and
// the stats counters. Apps on one store act as separate processes would.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, StemApp, type StemAppOptions } from "../mod.ts";
import { ErrorCode } from "../src/core/error_codes.ts";
import { stemAdapter as memoryAdapter } from "../adapters/memory/mod.ts";
import { InMemoryBroker, InMemoryKv, InMemoryResultBackend } from "../adapters/memory/mod.ts";
import { storesFromParts } from "../src/bootstrap/store_sets.ts";
import type { StoreSet } from "../src/core/adapter.ts";
import { appStores } from "./helpers/app_stores.ts";
import { gate } from "./helpers/app.ts";

const stores = await appStores(["memory", "sqlite", "redis", "postgres"]);

/** Apps sharing one store: the memory set is shared by object, the others by URL. */
async function cluster(store: (typeof stores)[number]) {
  const apps: StemApp[] = [];
  let shared: StoreSet | undefined;
  const url = store.url();
  const base = store.options();
  if (store.name === "memory") shared = await memoryAdapter.connect!("memory://");
  return {
    async app(options: StemAppOptions = {}): Promise<StemApp> {
      const opts: StemAppOptions = { heartbeatInterval: 1_000, ...options };
      const app = shared ? new StemApp(shared, opts) : await StemApp.fromUrl(url, {
        ...base,
        ...opts,
      });
      apps.push(app);
      return app;
    },
    /** Stops one app's worker (the memory set stays open for the others). */
    async stop(app: StemApp): Promise<void> {
      if (shared) await app.worker.shutdown({ mode: "hard" });
      else await app.close({ timeout: 0 });
    },
    async close(): Promise<void> {
      for (const app of apps) await this.stop(app).catch(() => {});
      await shared?.close();
    },
  };
}

const id = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

function tasks(gates: Map<string, Promise<void>> = new Map()) {
  return [
    new FunctionTaskHandler({
      name: "ctl.work",
      options: { queue: "work" },
      entrypoint: (_ctx, args: { fail?: boolean }) => {
        if (args?.fail) throw new Error("asked to fail");
        return "done";
      },
    }),
    new FunctionTaskHandler({
      name: "ctl.paused",
      options: { queue: "pq" },
      entrypoint: () => "ran",
    }),
    new FunctionTaskHandler({
      name: "ctl.hold",
      options: { queue: "work", maxRetries: 0 },
      entrypoint: async (ctx, args: { gate: string }) => {
        await Promise.race([
          gates.get(args.gate),
          new Promise((_, reject) =>
            ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
          ),
        ]);
        return "held";
      },
    }),
  ];
}

const allQueues = ["work", "pq"];

for (const store of stores) {
  describe(`remote control (${store.name})`, { skip: store.skip ?? false }, () => {
    test("ping reaches every worker; a named target that does not answer is reported", async () => {
      const c = await cluster(store);
      try {
        const a = await c.app({ tasks: tasks(), workerId: id("wa"), queues: allQueues });
        const b = await c.app({ tasks: tasks(), workerId: id("wb"), queues: allQueues });
        await a.start();
        await b.start();
        const client = await c.app();
        const all = await client.control.ping({
          timeout: "3s",
          targets: [a.worker.id, b.worker.id],
        });
        assert.deepEqual(
          all.replies.map((r) => r.workerId).sort(),
          [a.worker.id, b.worker.id].sort(),
        );
        assert.deepEqual(all.missing, []);
        for (const reply of all.replies) {
          assert.equal(reply.ok, true);
          assert.deepEqual(reply.payload?.queues, allQueues);
        }
        const broadcast = await client.control.ping({ timeout: "3s" });
        const answered = broadcast.replies.map((r) => r.workerId);
        assert.ok(answered.includes(a.worker.id) && answered.includes(b.worker.id));

        const targeted = await client.control.ping({
          targets: [a.worker.id, "ghost-worker"],
          timeout: "500ms",
        });
        assert.deepEqual(targeted.replies.map((r) => r.workerId), [a.worker.id]);
        assert.deepEqual(targeted.missing, ["ghost-worker"]);
      } finally {
        await c.close();
      }
    });

    test("a paused queue is not consumed, the pause holds for a worker started later, resume releases it", async () => {
      const c = await cluster(store);
      try {
        const first = await c.app({ tasks: tasks(), workerId: id("wp"), queues: allQueues });
        await first.start();
        const paused = await first.control.pause("pq", {
          reason: "maintenance",
          targets: [first.worker.id],
          timeout: "3s",
        });
        assert.deepEqual(paused.replies[0]?.payload?.paused, ["pq"]);
        assert.deepEqual(paused.replies[0]?.payload?.consuming, ["work"]);
        const stored = await first.control.pausedQueues();
        assert.deepEqual(stored.map((p) => [p.queue, p.reason]), [["pq", "maintenance"]]);
        await c.stop(first);

        const producer = await c.app({ tasks: tasks(), autoStart: false });
        const waiting = await producer.stem.enqueue("ctl.paused");
        const later = await c.app({ tasks: tasks(), workerId: id("wq"), queues: allQueues });
        await later.start();
        const stats = await later.control.stats({ targets: [later.worker.id], timeout: "3s" });
        assert.deepEqual(stats.replies[0]?.payload?.pausedQueues, ["pq"]);
        // The other queue is consumed, so the worker is running, yet the paused task waits.
        const done = await producer.stem.enqueue("ctl.work", { args: {} });
        assert.equal((await producer.stem.waitForTask(done, { timeout: "10s" })).value, "done");
        assert.equal((await producer.stem.getTaskStatus(waiting))?.state, "queued");

        const resumed = await later.control.resume("pq", {
          targets: [later.worker.id],
          timeout: "3s",
        });
        assert.deepEqual(resumed.replies[0]?.payload?.paused, []);
        assert.deepEqual(await later.control.pausedQueues(), []);
        assert.equal((await producer.stem.waitForTask(waiting, { timeout: "10s" })).value, "ran");
      } finally {
        await c.close();
      }
    });

    test("shutdown: warm lets the running task finish, soft and hard hand it back", async () => {
      const c = await cluster(store);
      const gates = new Map<string, Promise<void>>();
      try {
        const client = await c.app({ tasks: tasks(gates), autoStart: false });
        const outcome = async (mode: "warm" | "soft" | "hard") => {
          const release = gate();
          const key = id("g");
          gates.set(key, release.promise);
          const worker = await c.app({
            tasks: tasks(gates),
            workerId: id(`w${mode}`),
            queues: [`work-${mode}`],
          });
          const started = worker.signals.taskStarted.next();
          const stopped = worker.signals.workerShutdown.next();
          await worker.start();
          // A queue per mode: a task handed back must not reach the next mode's worker.
          const taskId = await client.stem.enqueue("ctl.hold", {
            args: { gate: key },
            options: { queue: `work-${mode}` },
          });
          await started;
          const result = await client.control.shutdown({
            mode,
            grace: "100ms",
            targets: [worker.worker.id],
            timeout: "3s",
          });
          assert.equal(result.replies[0]?.payload?.mode, mode);
          assert.equal(result.replies[0]?.payload?.inflight, 1);
          assert.equal(result.replies[0]?.payload?.initiated, true);
          if (mode === "warm") release.open();
          const { requeued } = await stopped;
          release.open();
          return { requeued, status: await client.stem.getTaskStatus(taskId) };
        };
        const warm = await outcome("warm");
        assert.equal(warm.requeued, 0);
        assert.equal(warm.status?.state, "succeeded");
        const soft = await outcome("soft");
        assert.equal(soft.requeued, 1);
        assert.equal(soft.status?.state, "queued");
        const hard = await outcome("hard");
        assert.equal(hard.requeued, 1);
        assert.equal(hard.status?.state, "queued");

        // A hard shutdown during a warm one hands the running task back at once.
        const key = id("g");
        const never = gate();
        gates.set(key, never.promise);
        const worker = await c.app({
          tasks: tasks(gates),
          workerId: id("wesc"),
          queues: ["work-escalate"],
        });
        const started = worker.signals.taskStarted.next();
        const stopped = worker.signals.workerShutdown.next();
        await worker.start();
        await client.stem.enqueue("ctl.hold", {
          args: { gate: key },
          options: { queue: "work-escalate" },
        });
        await started;
        const target = { targets: [worker.worker.id], timeout: "3s" as const };
        const warmFirst = await client.control.shutdown({ mode: "warm", ...target });
        assert.equal(warmFirst.replies[0]?.payload?.initiated, true);
        const hardNext = await client.control.shutdown({ mode: "hard", ...target });
        assert.equal(hardNext.replies[0]?.payload?.initiated, false);
        assert.equal((await stopped).requeued, 1);
        never.open();
      } finally {
        await c.close();
      }
    });

    test("stats count processed and failed tasks and report concurrency and memory", async () => {
      const c = await cluster(store);
      try {
        const worker = await c.app({
          tasks: tasks(),
          workerId: id("ws"),
          queues: ["work"],
          concurrency: 3,
          memoryProbe: () => ({ rss: 1234 }),
        });
        let outcomes = 0;
        const settled = new Promise<void>((resolve) => {
          const count = () => void (++outcomes === 3 && resolve());
          worker.signals.taskSucceeded.connect(count);
          worker.signals.taskFailed.connect(count);
        });
        await worker.start();
        const ids = [
          await worker.stem.enqueue("ctl.work", { args: {} }),
          await worker.stem.enqueue("ctl.work", { args: {} }),
          await worker.stem.enqueue("ctl.work", {
            args: { fail: true },
            options: { maxRetries: 0 },
          }),
        ];
        assert.equal(ids.length, 3);
        await settled;
        const { replies } = await worker.control.stats({
          targets: [worker.worker.id],
          timeout: "3s",
        });
        const stats = replies[0]?.payload;
        assert.ok(stats);
        assert.equal(stats.processed, 3);
        assert.equal(stats.succeeded, 2);
        assert.equal(stats.failed, 1);
        assert.equal(stats.concurrency, 3);
        assert.equal(typeof stats.inflight, "number");
        assert.deepEqual(stats.queues, ["work"]);
        assert.deepEqual(stats.memory, { rss: 1234 });
        assert.ok(stats.uptimeMs >= 0);
        const inspected = await worker.control.inspect({
          targets: [worker.worker.id],
          timeout: "3s",
        });
        assert.deepEqual(inspected.replies[0]?.payload?.running, []);
      } finally {
        await c.close();
      }
    });
  });
}

test("without an event bus, commands reject with control-unavailable and pauses still persist", async () => {
  const app = new StemApp(
    storesFromParts({
      broker: new InMemoryBroker(),
      backend: new InMemoryResultBackend(),
      kv: new InMemoryKv(),
    }),
    { autoStart: false },
  );
  try {
    assert.equal(app.control.available, false);
    await assert.rejects(app.control.ping(), (e: { code?: string; message: string }) => {
      assert.equal(e.code, ErrorCode.controlUnavailable);
      assert.match(e.message, /event bus/);
      return true;
    });
    const result = await app.control.pause("q1");
    assert.deepEqual(result.replies, []);
    assert.deepEqual((await app.control.pausedQueues()).map((p) => p.queue), ["q1"]);
  } finally {
    await app.close();
  }
});
