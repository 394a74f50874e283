import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  Flow,
  FunctionTaskHandler,
  StemWorkflowApp,
  TaskDefinition,
  WorkflowScript,
} from "../mod.ts";
import { FakeClock } from "../src/testing/mod.ts";

describe("workflows in memory", () => {
  test("a Flow runs its steps in order, passes previousResult and returns the last value", async () => {
    const seen: unknown[] = [];
    const flow = new Flow<{ name: string }, string>({
      name: "demo.flow",
      build: (f) => {
        f.step("greet", (s) => `hello ${s.params.name}`);
        f.step("shout", (s) => {
          seen.push(s.previousResult);
          return String(s.previousResult).toUpperCase();
        });
      },
    });
    const app = await StemWorkflowApp.inMemory({ flows: [flow] });
    await app.start();
    const runId = await app.startWorkflow(flow, { name: "stem" });
    const done = await app.waitForCompletion(flow, runId, { timeout: "10s" });
    assert.equal(done.status, "completed");
    assert.equal(done.value, "HELLO STEM");
    assert.deepEqual(seen, ["hello stem"]);
    assert.deepEqual((await app.listSteps(runId)).map((s) => [s.name, s.value]), [
      ["greet", "hello stem"],
      ["shout", "HELLO STEM"],
    ]);
    await app.shutdown();
  });

  test("a WorkflowScript sleeps on the fake clock, resumes with resume data and replays stored steps", async () => {
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    let charged = 0;
    const checkout = new WorkflowScript<{ cart: string }, string>({
      name: "demo.checkout",
      run: async (script) => {
        const order = await script.step("charge", (s) => {
          charged++;
          return `order-${s.params.cart}`;
        });
        const waited = await script.step("wait", async (s) => {
          const resumed = s.takeResumeData();
          if (resumed !== true) await s.sleep("30s");
          return "slept";
        });
        return `${order}:${waited}`;
      },
    });
    const app = await StemWorkflowApp.inMemory({ scripts: [checkout], clock, pollInterval: "1s" });
    await app.start();
    const suspended = app.signals.workflowRunSuspended.next();
    const runId = await app.startWorkflow(checkout, { cart: "c1" });
    await suspended;
    const state = await app.getRun(runId);
    assert.equal(state?.status, "suspended");
    assert.ok(state?.resumeAt);
    const completed = app.signals.workflowRunCompleted.next((e) => e.runId === runId);
    await clock.tick(31_000);
    await completed;
    const done = await app.waitForCompletion(checkout, runId);
    assert.equal(done.value, "order-c1:slept");
    assert.equal(charged, 1, "the checkpointed step is not run again on replay");
    await app.shutdown();
  });

  test("auto-versioned steps checkpoint each iteration", async () => {
    const loop = new WorkflowScript<Record<string, never>, number>({
      name: "demo.loop",
      run: async (script) => {
        let n = 0;
        for (let i = 0; i < 3; i++) {
          n += await script.step("repeat", (s) => s.iteration, { autoVersion: true });
        }
        return n;
      },
    });
    const app = await StemWorkflowApp.inMemory({ scripts: [loop] });
    await app.start();
    const runId = await app.startWorkflow(loop, {});
    assert.equal((await app.waitForCompletion(loop, runId, { timeout: "10s" })).value, 3);
    assert.deepEqual((await app.listSteps(runId)).map((s) => s.name), [
      "repeat#0",
      "repeat#1",
      "repeat#2",
    ]);
    assert.equal((await app.getRun(runId))?.cursor, 1);
    await app.shutdown();
  });

  test("emit resumes every waiting run exactly once", async () => {
    const waiter = new WorkflowScript<{ topic: string }, unknown>({
      name: "demo.waiter",
      run: (script) => script.step("wait", (s) => s.awaitEvent(s.params.topic)),
    });
    const first = await StemWorkflowApp.inMemory({ scripts: [waiter] });
    await first.start();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const suspended = first.signals.workflowRunSuspended.next();
      ids.push(await first.startWorkflow(waiter, { topic: `t.${i}` }));
      await suspended;
    }
    assert.equal((await first.listWatchers()).length, 5);
    for (let i = 0; i < 5; i++) assert.equal(await first.emit(`t.${i}`, { i }), 1);
    assert.equal(await first.emit("t.0", { i: "again" }), 0, "a second emit finds no waiter");
    for (let i = 0; i < 5; i++) {
      assert.deepEqual((await first.waitForCompletion(ids[i], { timeout: "10s" })).value, { i });
    }
    assert.equal((await first.listWatchers()).length, 0);
    await first.shutdown();
  });

  test("emitted events survive until a worker runs them", async () => {
    const waiter = new WorkflowScript<{ topic: string }, unknown>({
      name: "demo.waiter2",
      run: (script) => script.step("wait", (s) => s.awaitEvent(s.params.topic)),
    });
    const app = await StemWorkflowApp.inMemory({ scripts: [waiter], autoStart: false });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await app.startWorkflow(waiter, { topic: `e.${i}` }));
    // Nothing ran yet: execute the first executions directly so the runs wait.
    for (const id of ids) await app.runtime.executeRun(id);
    for (let i = 0; i < 5; i++) assert.equal(await app.emit(`e.${i}`, { i }), 1);
    await app.start();
    for (let i = 0; i < 5; i++) {
      const done = await app.waitForCompletion(ids[i], { timeout: "10s" });
      assert.equal(done.status, "completed");
      assert.deepEqual(done.value, { i });
    }
    await app.shutdown();
  });

  test("a step that keeps failing fails the run after its retries", async () => {
    let attempts = 0;
    const broken = new Flow({
      name: "demo.broken",
      maxRetries: 2,
      retryDelay: 0,
      build: (f) => {
        f.step("boom", () => {
          attempts++;
          throw new Error("kaput");
        });
      },
    });
    const app = await StemWorkflowApp.inMemory({ flows: [broken] });
    await app.start();
    const runId = await app.startWorkflow(broken, {});
    const done = await app.waitForCompletion(runId, { timeout: "10s" });
    assert.equal(done.status, "failed");
    assert.match(done.error?.error ?? "", /kaput/);
    assert.equal(attempts, 3);
    await app.shutdown();
  });

  test("rewind re-runs from the step and re-enqueues the run; cancel stops a waiting run", async () => {
    const counts = { a: 0, b: 0 };
    const flow = new Flow({
      name: "demo.rewind",
      build: (f) => {
        f.step("a", () => ++counts.a);
        f.step("b", () => ++counts.b);
      },
    });
    const waiter = new WorkflowScript({
      name: "demo.cancel",
      run: (script) => script.step("wait", (s) => s.awaitEvent("never")),
    });
    const app = await StemWorkflowApp.inMemory({ flows: [flow], scripts: [waiter] });
    await app.start();
    const runId = await app.startWorkflow(flow, {});
    assert.equal((await app.waitForCompletion(runId, { timeout: "10s" })).value, 1);
    const again = app.signals.workflowRunCompleted.next((e) => e.runId === runId);
    await app.rewind(runId, "b");
    await again;
    assert.deepEqual(counts, { a: 1, b: 2 });
    assert.equal((await app.getRun(runId))?.result, 2);
    await assert.rejects(() => app.rewind(runId, "nope"), /no checkpoint "nope"/);

    const suspended = app.signals.workflowRunSuspended.next();
    const w = await app.startWorkflow(waiter, {});
    await suspended;
    await app.cancel(w, "operator");
    const state = await app.getRun(w);
    assert.equal(state?.status, "cancelled");
    assert.equal(state?.cancellationData?.reason, "operator");
    assert.equal((await app.listWatchers("never")).length, 0);
    await app.shutdown();
  });

  test("maxSuspendDuration cancels a run that waits too long", async () => {
    const clock = new FakeClock(Date.UTC(2024, 0, 1));
    const waiter = new WorkflowScript({
      name: "demo.patience",
      cancellationPolicy: { maxSuspendDuration: "1m" },
      run: (script) => script.step("wait", (s) => s.awaitEvent("late")),
    });
    const app = await StemWorkflowApp.inMemory({ scripts: [waiter], clock, pollInterval: "1s" });
    await app.start();
    const suspended = app.signals.workflowRunSuspended.next();
    const runId = await app.startWorkflow(waiter, {});
    await suspended;
    const cancelled = app.signals.workflowRunCancelled.next((e) => e.runId === runId);
    await clock.tick(61_000);
    const event = await cancelled;
    assert.equal(event.reason, "maxSuspendDuration");
    assert.equal((await app.getRun(runId))?.cancellationData?.reason, "maxSuspendDuration");
    await app.shutdown();
  });

  test("child tasks and child workflows start once per step and their results come back", async () => {
    let childRuns = 0;
    const double = new TaskDefinition<{ n: number }, number>({ name: "demo.double" });
    const child = new Flow<{ n: number }, number>({
      name: "demo.child",
      build: (f) => {
        f.step("inc", (s) => {
          childRuns++;
          return s.params.n + 1;
        });
      },
    });
    const parent = new WorkflowScript<{ n: number }, number>({
      name: "demo.parent",
      run: async (script) => {
        const doubled = await script.step(
          "double",
          (s) => s.enqueueAndWait(double, { n: s.params.n }),
        );
        return await script.step("child", (s) => s.startWorkflowAndWait(child, { n: doubled }));
      },
    });
    const app = await StemWorkflowApp.inMemory({
      flows: [child],
      scripts: [parent],
      tasks: [
        new FunctionTaskHandler<number, { n: number }>({
          name: "demo.double",
          entrypoint: (_c, a) => a.n * 2,
        }),
      ],
    });
    await app.start();
    const runId = await app.startWorkflow(parent, { n: 4 });
    const done = await app.waitForCompletion(parent, runId, { timeout: "10s" });
    assert.equal(done.value, 9);
    assert.equal(childRuns, 1);
    const childRun = await app.getRun(`${runId}.child.workflow`);
    assert.equal(childRun?.status, "completed");
    await app.shutdown();
  });
});
