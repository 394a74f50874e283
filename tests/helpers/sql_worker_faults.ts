// Shared fault scenarios for the SQL adapters' process tests (Postgres and SQLite run the same
// fixture worker, tests/fixtures/pg_sqlite_worker.ts).
import assert from "node:assert/strict";
import type { Stem } from "../../src/producer/stem.ts";
import { currentRuntime, spawnWorker, type WorkerProcess } from "./redis_worker_process.ts";
import { completedRuns, startedRuns, until } from "../fixtures/pg_exec_log.ts";

/** The fixture worker both SQL adapters' process tests spawn. */
export const SQL_WORKER_FIXTURE = "tests/fixtures/pg_sqlite_worker.ts";

/** Sends SIGTERM and checks the worker drained and said so. */
export async function stopWorker(worker: WorkerProcess): Promise<void> {
  worker.child.kill("SIGTERM");
  await worker.exited;
  assert.match(worker.stdout(), /stopped/, `worker shuts down cleanly: ${worker.stderr()}`);
}

/**
 * Kills a worker with SIGKILL mid-task, starts another, and asserts the task is redelivered after
 * its lease and completes exactly once.
 */
export async function assertKilledWorkerTaskRescued(
  setup: { log: string; stem: Stem; env: Record<string, string> },
): Promise<void> {
  const { log, stem, env } = setup;
  const doomed = await spawnWorker(currentRuntime(), SQL_WORKER_FIXTURE, {
    ...env,
    STEM_TEST_HANG: "1",
  });
  const id = await stem.enqueue("fault.run", {
    options: { queue: "faults", visibilityTimeout: "1s" },
  });
  assert.ok(await until(() => startedRuns(log).length === 1, 20_000), "the task started");
  assert.deepEqual(startedRuns(log)[0], { id, pid: doomed.child.pid });
  doomed.child.kill("SIGKILL");
  await doomed.exited;
  const rescuer = await spawnWorker(currentRuntime(), SQL_WORKER_FIXTURE, env);
  const result = await stem.waitForTask(id, { timeout: "20s" });
  assert.equal(result.status?.state, "succeeded");
  assert.deepEqual(startedRuns(log).map((r) => r.pid), [doomed.child.pid, rescuer.child.pid]);
  assert.deepEqual(completedRuns(log), [id], "completed exactly once");
  await stopWorker(rescuer);
}
