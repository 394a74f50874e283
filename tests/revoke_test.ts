// Revocation on every adapter: persisted (a worker that starts later honours it), a revoked
// waiting task never runs and is `cancelled` at once, `terminate` aborts a running task's signal
// and records it `cancelled` without a retry, and a revocation lapses at its expiry.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, StemApp, TaskRevokedError } from "../mod.ts";
import { appStores } from "./helpers/app_stores.ts";
import { fakeTimeApp, gate, statusWhere } from "./helpers/app.ts";

/** Two apps on one store act as a producer and a worker in separate processes would. */
const stores = await appStores(["sqlite", "redis", "postgres"]);

function tasks(ran: string[], started?: { open: () => void }, signals?: AbortSignal[]) {
  return [
    new FunctionTaskHandler({
      name: "rv.work",
      options: { maxRetries: 3 },
      entrypoint: (ctx) => {
        ran.push(ctx.id);
        return "done";
      },
    }),
    new FunctionTaskHandler({
      name: "rv.hang",
      options: { maxRetries: 3 },
      entrypoint: (ctx) => {
        signals?.push(ctx.signal);
        started?.open();
        // Never finishes by itself: only the revocation ends it.
        return new Promise((_, reject) =>
          ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
        );
      },
    }),
  ];
}

for (const store of stores) {
  describe(`revocation (${store.name})`, { skip: store.skip ?? false }, () => {
    test("a task revoked while no worker runs is cancelled at once and never runs", async () => {
      const url = store.url();
      const options = store.options();
      const producer = await StemApp.fromUrl(url, options);
      const ran: string[] = [];
      let worker: StemApp | undefined;
      try {
        const revoked = await producer.stem.enqueue("rv.work");
        const entry = await producer.revoke(revoked, { reason: "order withdrawn" });
        assert.equal(entry.taskId, revoked);
        const status = await producer.stem.getTaskStatus(revoked);
        assert.equal(status?.state, "cancelled");
        assert.equal(status?.meta.cancelled, "order withdrawn");

        worker = await StemApp.fromUrl(url, { ...options, tasks: tasks(ran) });
        const skipped = new Promise<string>((resolve) =>
          worker!.signals.taskCancelled.connect((e) => resolve(e.reason), {
            filter: (e) => e.id === revoked,
          })
        );
        // Emitted once the settle (status and ack) is done, unlike the status a wait sees.
        const laterSettled = worker.signals.taskSucceeded.next();
        await worker.start();
        const later = await producer.stem.enqueue("rv.work");
        assert.equal((await laterSettled).id, later);
        // The worker acked the revoked message without running it.
        assert.match(await skipped, /revoked: order withdrawn/);
        const counts = await producer.broker.counts("default");
        assert.equal(counts.pending + counts.inflight, 0);
        assert.deepEqual(ran, [later]);
        const final = await producer.stem.getTaskStatus(revoked);
        assert.equal(final?.state, "cancelled");
        assert.match(String(final?.meta.cancelled), /order withdrawn/);
        assert.equal((await producer.deadLetters.listDeadLetters("default")).entries.length, 0);
      } finally {
        await worker?.close();
        await producer.close();
      }
    });

    test("terminate aborts a running task's signal and records it cancelled, without a retry", async () => {
      const url = store.url();
      const options = store.options();
      const producer = await StemApp.fromUrl(url, options);
      const started = gate();
      const signals: AbortSignal[] = [];
      const worker = await StemApp.fromUrl(url, {
        ...options,
        tasks: tasks([], started, signals),
      });
      try {
        await worker.start();
        const id = await producer.stem.enqueue("rv.hang");
        await started.promise;
        // Emitted once the delivery is settled, so the broker counts below are final.
        const settled = worker.signals.taskCancelled.next((p) => p.id === id);
        await producer.revoke(id, { terminate: true, reason: "user pressed stop" });
        // The worker's own record (the revoker may have marked it cancelled a moment earlier).
        const status = await statusWhere(
          producer,
          id,
          (s) => s.state === "cancelled" && typeof s.meta.worker === "string",
        );
        assert.equal(status.attempt, 0);
        assert.match(status.error?.message ?? "", /revoked: user pressed stop/);
        assert.equal(signals.length, 1);
        assert.equal(signals[0].aborted, true);
        assert.ok(signals[0].reason instanceof TaskRevokedError);
        assert.equal((signals[0].reason as TaskRevokedError).code, "task-revoked");
        await settled;
        assert.equal((await producer.deadLetters.listDeadLetters("default")).entries.length, 0);
        const counts = await producer.broker.counts("default");
        assert.equal(counts.pending + counts.inflight + counts.delayed, 0);
      } finally {
        await worker.close();
        await producer.close();
      }
    });
  });
}

describe("revocation (memory, fake clock)", () => {
  test("a running task revoked without terminate finishes; a lapsed revocation no longer applies", async () => {
    const ran: string[] = [];
    const hold = gate();
    const started = gate();
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "rv.slow",
          entrypoint: async (ctx) => {
            ran.push(ctx.id);
            started.open();
            await hold.promise;
            return "finished";
          },
        }),
      ],
    });
    try {
      const id = await app.stem.enqueue("rv.slow");
      await started.promise;
      await app.revoke(id, { reason: "too late" });
      hold.open();
      const result = await app.stem.waitForTask(id, { timeout: "10s" });
      assert.equal(result.state, "succeeded");

      await app.revoke("rv-fixed-id", { reason: "short", expires: "1s" });
      await clock.tick(1_500);
      const again = await app.stem.enqueue("rv.slow", {
        enqueueOptions: { taskId: "rv-fixed-id" },
      });
      assert.equal((await app.stem.waitForTask(again, { timeout: "10s" })).state, "succeeded");
      assert.deepEqual(ran, [id, "rv-fixed-id"]);
    } finally {
      await app.close();
    }
  });
});
