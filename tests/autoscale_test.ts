// Autoscaling concurrency on a fake clock: grows with the backlog, shrinks after idleAfter — on
// the memory adapter and a real redis-server.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";
import { Semaphore } from "../src/worker/semaphore.ts";
import { appStores } from "./helpers/app_stores.ts";
import { gate } from "./helpers/app.ts";

const stores = await appStores(["memory", "redis"]);

/** Resolves once `count()` reaches `n`, re-checked whenever `onEvent` fires. */
function until(n: number, count: () => number, onEvent: (fn: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const check = () => count() >= n && resolve();
    onEvent(check);
    check();
  });
}

describe("Semaphore.resize", () => {
  test("growing wakes waiters; shrinking below the slots in use retires them as they return", async () => {
    const slots = new Semaphore(1);
    assert.ok(slots.tryAcquire());
    const waiting = [slots.acquire(), slots.acquire()];
    slots.resize(3);
    assert.deepEqual(await Promise.all(waiting), [true, true]);
    slots.resize(1);
    slots.release();
    slots.release();
    assert.equal(slots.tryAcquire(), false, "two releases paid the shrink");
    slots.release();
    assert.equal(slots.tryAcquire(), true);
  });
});

for (const store of stores) {
  describe(`autoscale on ${store.name}`, { skip: store.skip ?? false }, () => {
    test("concurrency grows with the backlog up to max and shrinks to min after idleAfter", async () => {
      const clock = new FakeClock(Date.now());
      const release = gate();
      const app = await StemApp.fromUrl(store.url(), {
        ...store.options(),
        clock,
        autoscale: { min: 1, max: 4, interval: "1s", idleAfter: "10s" },
        tasks: [
          new FunctionTaskHandler({ name: "scale.hold", entrypoint: () => release.promise }),
        ],
      });
      // Closed on the fake clock, ticking it: a close that waits on a clock timer (heartbeat,
      // sync, autoscaler) would otherwise hang an `after` hook where no one advances time.
      after(() => closeTicking(app, clock));
      let started = 0;
      let finished = 0;
      const listeners: (() => void)[] = [];
      const notify = () => listeners.forEach((fn) => fn());
      app.signals.taskStarted.connect(() => (started++, notify()));
      app.signals.taskSucceeded.connect(() => (finished++, notify()));
      const on = (fn: () => void) => listeners.push(fn);
      assert.equal(app.worker.concurrency, 1);
      for (let i = 0; i < 6; i++) await app.stem.enqueue("scale.hold");
      await until(1, () => started, on);
      assert.equal(app.worker.inflight, 1);

      await clock.tick(1_000);
      await until(4, () => started, on);
      assert.equal(app.worker.concurrency, 4, "1 running + 5 waiting, capped at max");
      assert.equal(app.worker.inflight, 4);

      release.open();
      await until(6, () => finished, on);
      await clock.tick(1_000);
      assert.equal(app.worker.concurrency, 4, "a lull shorter than idleAfter keeps the slots");
      for (let s = 0; s < 10 && app.worker.concurrency > 1; s++) await clock.tick(1_000);
      assert.equal(app.worker.concurrency, 1);
      await clock.tick(10_000); // the next heartbeat
      const beats = await app.backend.listWorkerHeartbeats();
      const mine = beats.find((b) => b.workerId === app.worker.id)!;
      assert.equal(mine.extras?.concurrency, 1);
      assert.deepEqual(mine.extras?.autoscale, { min: 1, max: 4 });
    });
  });
}

test("autoscale bounds are checked where the worker is made", async () => {
  await assert.rejects(
    () => StemApp.inMemory({ autoscale: { min: 3, max: 2 } }),
    /Invalid autoscale \{ min: 3, max: 2 \}/,
  );
});

/** Closes `app`, advancing `clock` until the close settles (bounded: fails after 600 ticks). */
async function closeTicking(app: StemApp, clock: FakeClock): Promise<void> {
  let done = false;
  const closing = app.close({ timeout: 0 }).finally(() => (done = true));
  for (let i = 0; i < 600 && !done; i++) {
    await clock.tick(100);
    await new Promise((r) => setTimeout(r, 5));
  }
  if (!done) throw new Error("the app did not close within 60 s of fake time");
  await closing;
}
