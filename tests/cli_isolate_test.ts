// `stem worker --isolates N --max-tasks-per-isolate N --autoscale MIN,MAX` as a real process over
// a SQLite file the test's producer shares: a busy loop is killed at its limit, isolates recycle.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StemApp } from "../mod.ts";
import { runCli, startCli } from "./helpers/cli_process.ts";

const dir = mkdtempSync(join(tmpdir(), "stem-cli-isolate-"));
after(() => rmSync(dir, { recursive: true, force: true }));

test("stem worker --isolates runs isolated tasks, kills a busy loop at its limit and recycles", async () => {
  const url = `sqlite:${join(dir, "isolate.db")}`;
  const worker = startCli([
    "worker",
    "tests/fixtures/isolate_tasks.ts",
    "--broker",
    url,
    "--isolates",
    "1",
    "--max-tasks-per-isolate",
    "1",
    "--autoscale",
    "1,3",
  ]);
  const producer = await StemApp.fromUrl(url);
  try {
    const line = await worker.line(/consuming/);
    assert.match(line, /\(autoscale 1-3, prefetch 6, isolates 1\)$/);
    const run = async (name: string) => {
      const id = await producer.stem.enqueue(name);
      return await producer.stem.waitForTask<{ isolateId: string }>(id, { timeout: "30s" });
    };
    const spin = await run("iso.spin");
    assert.equal(spin.status?.state, "failed");
    assert.equal(spin.status?.error?.code, "task-timeout");
    const [a, b] = [await run("iso.state"), await run("iso.state")];
    assert.equal(a.status?.state, "succeeded");
    assert.notEqual(a.value!.isolateId, b.value!.isolateId, "one task per isolate");
    worker.child.kill("SIGTERM");
    await worker.exited;
    assert.match(worker.output(), /stopped/);
  } finally {
    worker.kill();
    await producer.close();
  }
});

test("stem worker refuses isolate limits without --isolates, and a bad --autoscale", () => {
  const limits = runCli([
    "worker",
    "tests/fixtures/isolate_tasks.ts",
    "--max-tasks-per-isolate",
    "3",
  ]);
  assert.notEqual(limits.status, 0);
  assert.match(limits.stderr, /need --isolates N/);
  const scale = runCli(["worker", "tests/fixtures/isolate_tasks.ts", "--autoscale", "4,2"]);
  assert.notEqual(scale.status, 0);
  assert.match(scale.stderr, /--autoscale must be MIN,MAX/);
});
