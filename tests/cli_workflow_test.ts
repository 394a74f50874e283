// `stem wf …` as a real process against a SQLite file a workflow app in this process uses.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Flow, StemWorkflowApp, WorkflowScript } from "../mod.ts";
import { runCli } from "./helpers/cli_process.ts";

describe("stem wf", () => {
  let dir = "";
  let url = "";
  let app: StemWorkflowApp;
  const waiter = new WorkflowScript<{ topic: string }, unknown>({
    name: "cli.waiter",
    run: (script) => script.step("wait", (s) => s.awaitEvent(s.params.topic)),
  });
  let bRuns = 0;
  const flow = new Flow({
    name: "cli.flow",
    build: (f) => {
      f.step("a", () => "a");
      f.step("b", () => ++bRuns);
    },
  });
  const wf = (...args: string[]) => runCli(["wf", ...args, "--broker", url]);
  const json = (...args: string[]) => {
    const r = wf(...args, "--json");
    assert.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "stem-wf-cli-"));
    url = `sqlite:${join(dir, "wf.db")}`;
    app = await StemWorkflowApp.fromUrl(url, {
      flows: [flow],
      scripts: [waiter],
      pollInterval: "100ms",
    });
    await app.start();
  });
  after(async () => {
    await app.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  test("waiters, emit, show and ls see and drive runs of another process", async () => {
    const suspended = app.signals.workflowRunSuspended.next();
    const runId = await app.startWorkflow(waiter, { topic: "cli.topic" });
    await suspended;
    const watchers = json("waiters", "--topic", "cli.topic");
    assert.deepEqual(watchers.map((w: { runId: string }) => w.runId), [runId]);
    assert.deepEqual(json("emit", "cli.topic", "--payload", '{"ok":true}'), {
      topic: "cli.topic",
      resumed: 1,
    });
    const done = await app.waitForCompletion(runId, { timeout: "20s" });
    assert.deepEqual(done.value, { ok: true });
    const shown = json("show", runId);
    assert.equal(shown.run.status, "completed");
    assert.deepEqual(shown.steps.map((s: { name: string }) => s.name), ["wait"]);
    const listed = json("ls", "--status", "completed");
    assert.ok(listed.some((r: { id: string }) => r.id === runId));
    assert.equal(wf("show", "missing-run").status, 1);
  });

  test("start enqueues a run the app's worker executes; rewind re-runs it; cancel stops a waiter", async () => {
    const { runId } = json("start", "cli.flow", "--params", '{"x":1}');
    const done = await app.waitForCompletion(runId, { timeout: "20s" });
    assert.equal(done.status, "completed");
    assert.equal(done.value, 1);
    const completedAgain = app.signals.workflowRunCompleted.next((e) => e.runId === runId);
    assert.deepEqual(json("rewind", runId, "--step", "b"), { runId, step: "b" });
    await completedAgain;
    assert.equal((await app.getRun(runId))?.result, 2);

    const suspended = app.signals.workflowRunSuspended.next();
    const waiting = await app.startWorkflow(waiter, { topic: "never" });
    await suspended;
    json("cancel", waiting, "--reason", "operator");
    assert.equal((await app.getRun(waiting))?.cancellationData?.reason, "operator");
  });

  test("bad input gets a usage error", () => {
    const badStatus = wf("ls", "--status", "bogus");
    assert.notEqual(badStatus.status, 0);
    assert.match(badStatus.stderr, /Unknown status "bogus"/);
    const badJson = wf("start", "cli.flow", "--params", "{nope");
    assert.notEqual(badJson.status, 0);
    assert.match(badJson.stderr, /not valid JSON/);
    const noStep = wf("rewind", "some-run");
    assert.match(noStep.stderr, /--step/);
  });
});
