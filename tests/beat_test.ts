// Beat: dispatch on a fake clock (fires, catch-up modes, versions, history, runOnce), exactly
// once per fire across three Beats on one store (SQLite, Redis, Postgres), and a fire recorded
// but not published (a Beat killed mid-dispatch) published again and run once.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Beat,
  DuplicateTaskIdError,
  fireTaskId,
  FunctionTaskHandler,
  ScheduleSpecError,
  ScheduleVersionError,
  StemApp,
  TaskMetrics,
} from "../mod.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";
import { MetaKey } from "../src/core/meta_keys.ts";
import { appStores } from "./helpers/app_stores.ts";

const T0 = Date.parse("2026-06-01T00:00:00Z");

function ticker(ran: { id: string; fireAt: unknown }[]) {
  return new FunctionTaskHandler({
    name: "beat.tick",
    entrypoint: (ctx) => {
      ran.push({ id: ctx.id, fireAt: ctx.meta[MetaKey.beatFireAt] });
      return null;
    },
  });
}

/** Drains the app's worker while ticking its fake clock (the drain's idle timer runs on it). */
async function drainOn(app: StemApp, clock: FakeClock): Promise<void> {
  let done = false;
  const drained = app.worker.drain().finally(() => (done = true));
  while (!done) await clock.tick(100);
  await drained;
}

async function fakeApp(ran: { id: string; fireAt: unknown }[]) {
  const clock = new FakeClock(T0);
  const app = await StemApp.inMemory({ clock, tasks: [ticker(ran)], autoStart: false });
  return { app, clock };
}

describe("Beat on a fake clock", () => {
  test("dispatches each fire once with a derived id, records history and drift", async () => {
    const ran: { id: string; fireAt: unknown }[] = [];
    const { app, clock } = await fakeApp(ran);
    try {
      const created = await app.beat.upsert({ id: "tick", task: "beat.tick", spec: "every 1m" });
      assert.equal(created.nextRunAt, T0 + 60_000);
      assert.deepEqual(await app.beat.runOnce(), [], "nothing due yet");
      await clock.tick(60_000);
      const [report] = await app.beat.runOnce();
      assert.equal(report.result, "dispatched");
      assert.equal(report.taskId, fireTaskId("tick", T0 + 60_000));
      assert.deepEqual(await app.beat.runOnce(), [], "the same fire is not dispatched twice");
      const entry = await app.schedules.get("tick");
      assert.equal(entry?.totalRunCount, 1);
      assert.equal(entry?.lastRunAt, T0 + 60_000);
      assert.equal(entry?.nextRunAt, T0 + 120_000);
      assert.equal(entry?.lastDriftMs, 0);
      await drainOn(app, clock);
      assert.deepEqual(ran, [{ id: report.taskId, fireAt: T0 + 60_000 }]);
    } finally {
      await app.close();
    }
  });

  test("start() sleeps until each fire and wakes early for a new entry", async () => {
    const ran: { id: string; fireAt: unknown }[] = [];
    const { app, clock } = await fakeApp(ran);
    const dispatched: number[] = [];
    app.signals.scheduleEntryDispatched.connect((e) => dispatched.push(e.fireAt));
    try {
      await app.beat.start();
      await app.beat.upsert({ id: "fast", task: "beat.tick", spec: "every 10s" });
      for (let i = 0; i < 3; i++) {
        const next = app.signals.scheduleEntryDispatched.next();
        await clock.tick(10_000);
        await next;
      }
      assert.deepEqual(dispatched, [T0 + 10_000, T0 + 20_000, T0 + 30_000]);
    } finally {
      await app.close();
    }
  });

  test('catch-up after downtime: "skip" runs once, "none" drops, "all" backfills (bounded)', async () => {
    const ran: { id: string; fireAt: unknown }[] = [];
    const { app, clock } = await fakeApp(ran);
    try {
      for (const catchUp of ["skip", "none", "all"] as const) {
        await app.beat.upsert({
          id: catchUp,
          task: "beat.tick",
          spec: "every 1m",
          catchUp,
          maxCatchUp: 3,
        });
      }
      await clock.tick(10 * 60_000 + 30_000); // ten fires missed
      const reports = await app.beat.runOnce();
      const by = (id: string) => reports.filter((r) => r.entryId === id).map((r) => r.fireAt);
      assert.deepEqual(by("skip"), [T0 + 60_000]);
      assert.deepEqual(by("none"), []);
      assert.deepEqual(by("all"), [T0 + 60_000, T0 + 120_000, T0 + 180_000]);
      for (const id of ["skip", "none", "all"]) {
        assert.equal((await app.schedules.get(id))?.nextRunAt, T0 + 11 * 60_000, id);
      }
    } finally {
      await app.close();
    }
  });

  test("versioned upserts, bad specs, disabled entries and a failing dispatch", async () => {
    const ran: { id: string; fireAt: unknown }[] = [];
    const { app, clock } = await fakeApp(ran);
    try {
      const v1 = await app.beat.upsert({ id: "e", task: "beat.tick", spec: { cron: "* * * * *" } });
      await app.beat.upsert({ id: "e", task: "beat.tick", spec: { cron: "*/2 * * * *" } }, {
        expectedVersion: v1.version,
      });
      await assert.rejects(
        app.beat.upsert({ id: "e", task: "beat.tick", spec: "every 1m" }, { expectedVersion: 1 }),
        ScheduleVersionError,
      );
      await assert.rejects(
        app.beat.upsert({ id: "bad", task: "beat.tick", spec: { cron: "* * *" } }),
        (e: unknown) => e instanceof ScheduleSpecError && e.field === "spec.cron",
      );
      await app.beat.setEnabled("e", false);
      await clock.tick(5 * 60_000);
      assert.deepEqual(await app.beat.runOnce(), [], "disabled entries never fire");

      await app.beat.upsert({ id: "ghost", task: "no.such.task", spec: "every 1m" });
      await clock.tick(60_000);
      const failed = new Promise((resolve) => app.signals.scheduleEntryFailed.connect(resolve));
      const [report] = await app.beat.runOnce();
      assert.equal(report.result, "failed");
      assert.match(report.error ?? "", /no\.such\.task/);
      await failed;
      const ghost = await app.schedules.get("ghost");
      assert.match(ghost?.lastError ?? "", /no\.such\.task/);
      assert.equal(ghost?.nextRunAt, report.fireAt, "a failed fire is retried, not skipped");
    } finally {
      await app.close();
    }
  });

  test("Stem.reserve records queued without publishing; the later republish publishes once", async () => {
    const ran: { id: string; fireAt: unknown }[] = [];
    const { app, clock } = await fakeApp(ran);
    try {
      const request = { enqueueOptions: { taskId: "beat:r:1" } };
      await app.stem.reserve("beat.tick", request);
      assert.equal((await app.stem.getTaskStatus("beat:r:1"))?.state, "queued");
      assert.equal((await app.broker.counts("default")).pending, 0, "nothing published yet");
      await assert.rejects(app.stem.reserve("beat.tick", request), DuplicateTaskIdError);
      await assert.rejects(app.stem.reserve("beat.tick", {}), TypeError);
      await app.stem.enqueue("beat.tick", request, { republish: true });
      assert.equal((await app.broker.counts("default")).pending, 1);
      await drainOn(app, clock);
      assert.deepEqual(ran.map((r) => r.id), ["beat:r:1"]);
    } finally {
      await app.close();
    }
  });

  test("TaskMetrics.observe counts Beat's dispatches and failures and records lateness", async () => {
    const ran: { id: string; fireAt: unknown }[] = [];
    const { app, clock } = await fakeApp(ran);
    const metrics = new TaskMetrics();
    metrics.observe(app.signals);
    try {
      await app.beat.upsert({ id: "ok", task: "beat.tick", spec: "every 1m" });
      await app.beat.upsert({ id: "ghost", task: "no.such.task", spec: "every 1m" });
      await clock.tick(60_000);
      await app.beat.runOnce();
      const labels = { entry: "ok", task: "beat.tick", result: "dispatched" };
      assert.equal(metrics.value("stem_beat_dispatched_total", labels), 1);
      assert.equal(
        metrics.value("stem_beat_failed_total", { entry: "ghost", task: "no.such.task" }),
        1,
      );
      const text = await metrics.prometheus();
      assert.match(text, /stem_beat_lateness_ms_bucket\{entry="ok",le="1"\} 1/);
      assert.match(text, /stem_beat_lateness_ms_count\{entry="ok"\} 1/);
    } finally {
      await app.close();
    }
  });

  test("a fire recorded but never published (a Beat killed mid-dispatch) is published and run once", async () => {
    const ran: { id: string; fireAt: unknown }[] = [];
    const { app, clock } = await fakeApp(ran);
    try {
      await app.beat.upsert({ id: "crash", task: "beat.tick", spec: "every 1m" });
      await clock.tick(60_000);
      const taskId = fireTaskId("crash", T0 + 60_000);
      // What a Beat killed between its status write and its publish leaves behind.
      await app.stores.statuses.create({
        id: taskId,
        name: "beat.tick",
        state: "queued",
        result: null,
        error: null,
        attempt: 0,
        meta: {},
        progress: null,
      });
      const [report] = await app.beat.runOnce();
      assert.equal(report.result, "duplicate");
      // And a second copy published anyway (the recovering Beat cannot tell): still one run.
      await app.stem.enqueue("beat.tick", {
        meta: { [MetaKey.beatNonce]: "another-copy" },
        enqueueOptions: { taskId },
      }, { parentId: "beat:crash", rootId: taskId, republish: true });
      await drainOn(app, clock);
      assert.deepEqual(ran.map((r) => r.id), [taskId]);
      assert.equal((await app.stem.getTaskStatus(taskId))?.state, "succeeded");
    } finally {
      await app.close();
    }
  });
});

const shared = await appStores(["sqlite", "redis", "postgres"]);

for (const store of shared) {
  describe(`three Beats on one store (${store.name})`, { skip: store.skip ?? false }, () => {
    test("30 fires, each dispatched exactly once", async () => {
      const url = store.url();
      const options = store.options();
      const apps = await Promise.all(
        [0, 1, 2].map(() => StemApp.fromUrl(url, { ...options, autoStart: false })),
      );
      const dispatched: string[] = [];
      try {
        const start = Date.now() + 300;
        const every = 100;
        await apps[0].beat.upsert({
          id: "shared",
          task: "beat.tick",
          spec: { every, startAt: start, endAt: start + 29 * every },
          catchUp: "all",
        });
        const beats = apps.map((app) =>
          new Beat({ stem: app.stem, store: app.schedules, signals: app.signals, maxSleepMs: 50 })
        );
        for (const app of apps) {
          app.signals.scheduleEntryDispatched.connect((e) => {
            if (!e.duplicate) dispatched.push(e.taskId);
          });
        }
        const done = new Promise<void>((resolve) => {
          const check = () => dispatched.length >= 30 && resolve();
          for (const app of apps) app.signals.scheduleEntryDispatched.connect(check);
        });
        await Promise.all(beats.map((beat) => beat.start()));
        await done;
        await Promise.all(beats.map((beat) => beat.stop()));
        assert.equal(dispatched.length, 30);
        assert.equal(new Set(dispatched).size, 30, "no fire dispatched twice");
        const expected = Array.from(
          { length: 30 },
          (_, i) => fireTaskId("shared", start + i * every),
        );
        assert.deepEqual([...dispatched].sort(), [...expected].sort());
        const counts = await apps[0].broker.counts("default");
        assert.equal(counts.pending + counts.delayed, 30, "30 messages, one per fire");
        assert.equal((await apps[0].schedules.get("shared"))?.totalRunCount, 30);
      } finally {
        await Promise.all(apps.map((app) => app.close()));
      }
    });

    test("a Beat sleeping towards a far fire wakes when another process adds an earlier one", async () => {
      const url = store.url();
      const options = store.options();
      const [sleeper, editor] = await Promise.all(
        [0, 1].map(() => StemApp.fromUrl(url, { ...options, autoStart: false })),
      );
      // Ten minutes of sleep: only a change notification (or the store's poll) wakes it in time.
      const beat = new Beat({
        stem: sleeper.stem,
        store: sleeper.schedules,
        signals: sleeper.signals,
        maxSleepMs: 600_000,
      });
      try {
        await editor.beat.upsert({ id: "far", task: "beat.tick", spec: "every 1h" });
        await beat.start(); // resolves once its change watch is active
        const dispatched = sleeper.signals.scheduleEntryDispatched.next();
        await editor.beat.upsert({
          id: "soon",
          task: "beat.tick",
          spec: { runAt: Date.now() + 300 },
        });
        const fire = await dispatched;
        assert.equal(fire.entryId, "soon");
      } finally {
        await beat.stop();
        await Promise.all([sleeper.close(), editor.close()]);
      }
    });
  });
}
