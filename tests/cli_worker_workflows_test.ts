// `stem worker --workflows` as a real process on a SQLite file: it executes runs that
// `stem wf start` and this process start, and resumes a run on `stem wf emit`.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { StemWorkflowApp } from "../mod.ts";
import { runCli, startCli } from "./helpers/cli_process.ts";

const TASKS = "tests/fixtures/cli_tasks.ts";
const WORKFLOWS = "tests/fixtures/cli_workflows.ts";

describe("stem worker --workflows", () => {
  const dir = mkdtempSync(join(tmpdir(), "stem-cli-wf-worker-"));
  const url = `sqlite:${join(dir, "wf.db")}`;
  after(() => rmSync(dir, { recursive: true, force: true }));

  test("the CLI worker runs workflow definitions from a module", async () => {
    const worker = startCli(["worker", TASKS, "--workflows", WORKFLOWS, "--broker", url]);
    // A producer-only app (no worker of its own): it starts and waits, the worker process runs.
    const client = await StemWorkflowApp.fromUrl(url, {
      allowUnregistered: true,
      autoStart: false,
    });
    try {
      const line = await worker.line(/consuming/);
      assert.match(line, /consuming default, workflow on sqlite:.* 2 workflows/);

      const started = runCli([
        "wf",
        "start",
        "cli.worker.flow",
        "--params",
        '{"n":21}',
        "--broker",
        url,
        "--json",
      ]);
      assert.equal(started.status, 0, started.stderr);
      const { runId } = JSON.parse(started.stdout);
      const done = await client.waitForCompletion(runId, { timeout: "30s" });
      assert.equal(done.status, "completed", JSON.stringify(done.error));
      const value = done.value as { doubled: number; pid: number };
      assert.equal(value.doubled, 42);
      assert.notEqual(value.pid, process.pid, "the worker process ran it, not this one");

      const waiting = await client.startWorkflow("cli.worker.approval", { id: "a1" });
      while ((await client.listWatchers("cli.approved.a1")).length === 0) {
        await client.waitForCompletion(waiting, { timeout: "50ms" });
      }
      const emitted = runCli([
        "wf",
        "emit",
        "cli.approved.a1",
        "--payload",
        '{"by":"ops"}',
        "--broker",
        url,
        "--json",
      ]);
      assert.equal(emitted.status, 0, emitted.stderr);
      const approved = await client.waitForCompletion(waiting, { timeout: "30s" });
      assert.equal(approved.value, `approved by ops in pid-${value.pid}`);

      worker.child.kill("SIGTERM");
      await worker.exited;
      assert.match(worker.output(), /worker stem-worker-\S+ stopped/);
    } finally {
      worker.kill();
      await client.shutdown();
    }
  });

  test("a workflows module without workflows is refused with the reason", () => {
    const r = runCli(["worker", TASKS, "--workflows", TASKS, "--broker", url]);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /must export "flows", "scripts" or "workflows"/);
  });
});
