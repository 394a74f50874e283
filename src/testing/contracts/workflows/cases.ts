import { DUE_CLAIM_MS, type WorkflowStore } from "../../../workflow/workflow_store.ts";
import {
  RUNTIME_PARAMS_KEY,
  runtimeMetadata,
  workflowParams,
} from "../../../workflow/runtime_metadata.ts";
import { deepEqual, equal, ok } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import {
  type ContractCase,
  letTimePass,
  type StoreTestContext,
  timeNow,
} from "../contract_case.ts";

/** One workflow-store conformance case. */
export type WorkflowStoreCase = ContractCase<StoreTestContext<WorkflowStore>, Record<never, never>>;

const WF = "contract.workflow";

async function fresh(store: WorkflowStore, workflow = WF, params: Record<string, unknown> = {}) {
  return await store.createRun({ workflow, params });
}

async function saveVersioned(store: WorkflowStore, id: string): Promise<void> {
  await store.saveStep(id, "repeat#0", "first");
  await store.saveStep(id, "repeat#1", "second");
  await store.saveStep(id, "tail", "done");
}

async function throws(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error("Expected the call to throw");
}

/** Runs, checkpoints, suspensions, watchers, leases and listings (contract-behaviors §6). */
export const workflowStoreCases: WorkflowStoreCase[] = [
  {
    name: "createRun persists metadata and the cursor starts at zero",
    run: async ({ store }) => {
      const id = await fresh(store, WF, { user: 1 });
      const run = await store.get(id);
      ok(run);
      equal(run.workflow, WF);
      equal(run.status, "running");
      equal(run.cursor, 0);
      equal(run.params.user, 1);
      equal(await store.get(uniqueName("missing")), null);
    },
  },
  {
    name: "createRun honours a caller-provided runId",
    run: async ({ store }) => {
      const want = uniqueName("contract-run-id");
      const id = await store.createRun({ runId: want, workflow: WF, params: { seed: "value" } });
      equal(id, want);
      const run = await store.get(want);
      equal(run?.id, want);
      equal(run?.params.seed, "value");
    },
  },
  {
    name: "createRun rejects a duplicate runId and leaves the original untouched",
    run: async ({ store }) => {
      const id = uniqueName("dup");
      await store.createRun({
        runId: id,
        workflow: "contract.workflow.original",
        params: { seed: "value" },
      });
      await store.saveStep(id, "checkpoint", "persisted");
      const error = await throws(() =>
        store.createRun({ runId: id, workflow: "other", params: { x: 1 } })
      );
      equal((error as { code?: string }).code, "duplicate-run-id");
      const run = await store.get(id);
      equal(run?.workflow, "contract.workflow.original");
      deepEqual(run?.params, { seed: "value" });
      equal((await store.readStep(id, "checkpoint"))?.value, "persisted");
    },
  },
  {
    name: "runtime metadata round-trips and workflowParams strips the reserved key",
    run: async ({ store }) => {
      const meta = {
        workflowId: "wf_contract_01",
        orchestrationQueue: "workflow",
        continuationQueue: "workflow",
        executionQueue: "workflow-step",
        serializationFormat: "json",
        serializationVersion: "1",
        frameFormat: "stem-envelope",
        frameVersion: "1",
        encryptionScope: "signed-envelope",
        encryptionEnabled: true,
        streamId: "contract_stream_01",
        nested: { deep: [1, { b: false }] },
      };
      const id = await fresh(store, WF, {
        tenant: "acme",
        jobType: "sync",
        [RUNTIME_PARAMS_KEY]: meta,
      });
      const run = await store.get(id);
      ok(run);
      deepEqual(run.params[RUNTIME_PARAMS_KEY], meta);
      deepEqual(workflowParams(run), { tenant: "acme", jobType: "sync" });
      const m = runtimeMetadata(run);
      equal(m.orchestrationQueue, "workflow");
      equal(m.executionQueue, "workflow-step");
      equal(m.encryptionEnabled, true);
      equal(m.streamId, "contract_stream_01");
    },
  },
  {
    name: "saveStep, readStep and rewindToStep maintain checkpoints",
    run: async ({ store }) => {
      const id = await fresh(store);
      await store.saveStep(id, "step-a", { value: 1 });
      await store.saveStep(id, "step-b", 2);
      await store.saveStep(id, "step-c", "done");
      deepEqual((await store.readStep(id, "step-a"))?.value, { value: 1 });
      equal((await store.readStep(id, "step-b"))?.value, 2);
      equal((await store.get(id))?.cursor, 3);
      await store.rewindToStep(id, "step-b");
      equal(await store.readStep(id, "step-b"), null);
      equal(await store.readStep(id, "step-c"), null);
      deepEqual((await store.readStep(id, "step-a"))?.value, { value: 1 });
      equal((await store.get(id))?.cursor, 1);
    },
  },
  {
    name: "a step that returned nothing is still a checkpoint (stored as null)",
    run: async ({ store }) => {
      const id = await fresh(store);
      await store.saveStep(id, "empty", null);
      const found = await store.readStep(id, "empty");
      ok(found, "a null value is a stored checkpoint, not a missing one");
      equal(found.value, null);
    },
  },
  {
    name: "saveStep refreshes updatedAt",
    run: async ({ store, time }) => {
      const id = await fresh(store);
      const before = (await store.get(id))?.updatedAt;
      ok(before);
      await letTimePass(time, 2);
      await store.saveStep(id, "heartbeat", true);
      const after = (await store.get(id))?.updatedAt;
      ok(after && after > before, `updatedAt ${after} after ${before}`);
    },
  },
  {
    name: "auto-versioned checkpoints count once in the cursor and rewind by base name",
    run: async ({ store }) => {
      const id = await fresh(store);
      await saveVersioned(store, id);
      equal((await store.get(id))?.cursor, 2);
      equal((await store.readStep(id, "repeat#0"))?.value, "first");
      equal((await store.readStep(id, "repeat#1"))?.value, "second");
      await store.rewindToStep(id, "repeat");
      for (const name of ["repeat#0", "repeat#1", "tail"]) {
        equal(await store.readStep(id, name), null);
      }
      const run = await store.get(id);
      equal(run?.cursor, 0);
      equal(run?.status, "suspended");
      equal(run?.suspensionData?.step, "repeat");
      equal(run?.suspensionData?.iteration, 0);
      equal(run?.suspensionData?.iterationStep, "repeat");
    },
  },
  {
    name: "listRuns reports the logical cursor of versioned checkpoints",
    run: async ({ store }) => {
      const id = await fresh(store);
      await saveVersioned(store, id);
      let listed = (await store.listRuns({ workflow: WF, limit: 5 })).find((r) => r.id === id);
      equal(listed?.cursor, 2);
      await store.rewindToStep(id, "repeat");
      listed = (await store.listRuns({ workflow: WF, limit: 5 })).find((r) => r.id === id);
      equal(listed?.cursor, 0);
      equal(listed?.status, "suspended");
      equal(listed?.suspensionData?.iteration, 0);
    },
  },
  {
    name: "suspendUntil, dueRuns (which claims) and markResumed",
    run: async ({ store, time }) => {
      const id = await fresh(store);
      const now = timeNow(time);
      await store.suspendUntil(id, "step-a", now - 1_000, { reason: "delay" });
      const run = await store.get(id);
      equal(run?.status, "suspended");
      ok(run?.suspensionData?.resumeAt != null, "resumeAt is added to the data");
      equal(run?.suspensionData?.reason, "delay");
      ok((await store.dueRuns(now)).includes(id));
      equal((await store.dueRuns(now)).includes(id), false, "a due run is handed out once");
      equal(await store.markResumed(id), true);
      equal(await store.markResumed(id), false, "a running run is not resumed twice");
      const resumed = await store.get(id);
      equal(resumed?.status, "running");
      equal(resumed?.waitTopic, null);
    },
  },
  {
    name: "a due run claimed but never resumed becomes due again",
    run: async ({ store, time }) => {
      const id = await fresh(store);
      await store.suspendUntil(id, "s", timeNow(time) - 1);
      ok((await store.dueRuns(timeNow(time))).includes(id));
      equal((await store.dueRuns(timeNow(time))).includes(id), false);
      ok((await store.dueRuns(timeNow(time) + DUE_CLAIM_MS + 1)).includes(id));
    },
  },
  {
    name: "a run is not due before its resumeAt",
    run: async ({ store, time }) => {
      const id = await fresh(store);
      await store.suspendUntil(id, "s", timeNow(time) + 60_000);
      equal((await store.dueRuns(timeNow(time))).includes(id), false);
      ok((await store.dueRuns(timeNow(time) + 60_000)).includes(id));
    },
  },
  {
    name: "claimRun enforces leases and listRunnableRuns respects them",
    run: async ({ store, time }) => {
      const id = await fresh(store);
      const runnable = async () =>
        (await store.listRunnableRuns(timeNow(time), 1000)).some((r) => r.id === id);
      ok(await runnable());
      ok(await store.claimRun(id, "worker-a", 5_000));
      equal(await store.claimRun(id, "worker-b", 5_000), false);
      equal(await runnable(), false);
      await letTimePass(time, 6_000);
      ok(await runnable(), "a lapsed lease makes the run runnable");
      ok(await store.claimRun(id, "worker-b", 5_000));
      ok(await store.renewRunLease(id, "worker-b", 5_000));
      equal(await store.renewRunLease(id, "worker-c", 5_000), false);
      await store.releaseRun(id, "worker-b");
      ok(await runnable());
    },
  },
  {
    name: "a fenced saveStep stores only under the caller's lease and extends it",
    run: async ({ store, time }) => {
      const id = await fresh(store);
      const lease = { owner: "worker-a", leaseMs: 1_000 };
      equal(await store.saveStep(id, "a", 1, lease), false, "no lease taken yet");
      equal(await store.readStep(id, "a"), null);
      ok(await store.claimRun(id, "worker-a", 1_000));
      equal(await store.saveStep(id, "a", 1, { owner: "worker-b", leaseMs: 1_000 }), false);
      await letTimePass(time, 600);
      ok(await store.saveStep(id, "a", 1, lease));
      equal((await store.readStep(id, "a"))?.value, 1);
      equal((await store.get(id))?.cursor, 1);
      await letTimePass(time, 600);
      equal(await store.claimRun(id, "worker-b", 1_000), false, "the write extended the lease");
      ok(await store.saveStep(id, "b", 2, lease));
      ok(await store.saveStep(id, "b", 3, lease), "a replaced checkpoint counts once");
      equal((await store.get(id))?.cursor, 2);
      await store.cancel(id, "stop");
      equal(await store.saveStep(id, "c", 4, lease), false, "a cancelled run takes no checkpoint");
      equal(await store.readStep(id, "c"), null);
      equal(await store.saveStep("no-such-run", "a", 1, lease), false);
    },
  },
  {
    name: "claimRun admits exactly one of many concurrent claimants",
    run: async ({ store, peer }) => {
      const id = await fresh(store);
      const other = peer ? await peer() : store;
      const claims = await Promise.all(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? other : store).claimRun(id, `w-${i}`, 30_000)),
      );
      equal(claims.filter(Boolean).length, 1);
    },
  },
  {
    name: "claimRun refuses suspended, waiting and finished runs",
    run: async ({ store, time }) => {
      const a = await fresh(store);
      await store.suspendUntil(a, "s", timeNow(time) + 60_000);
      equal(await store.claimRun(a, "w", 1_000), false);
      const b = await fresh(store);
      await store.markCompleted(b, 1);
      equal(await store.claimRun(b, "w", 1_000), false);
      equal(await store.claimRun(uniqueName("missing"), "w", 1_000), false);
    },
  },
  {
    name: "listRunnableRuns excludes suspended runs",
    run: async ({ store, time }) => {
      const id = await fresh(store);
      await store.suspendUntil(id, "step-a", timeNow(time) + 60_000);
      equal((await store.listRunnableRuns(timeNow(time), 1000)).some((r) => r.id === id), false);
    },
  },
  {
    name: "dueRuns honours its limit and leaves the rest due",
    run: async ({ store, time }) => {
      const now = timeNow(time);
      const ids = [];
      for (let i = 0; i < 3; i++) {
        const id = await fresh(store);
        await store.suspendUntil(id, "s", now - 1_000, { index: i });
        ids.push(id);
      }
      const first = await store.dueRuns(now, 2);
      equal(first.length, 2);
      const second = await store.dueRuns(now, 2);
      equal(second.length, 1);
      deepEqual([...first, ...second].sort(), [...ids].sort());
    },
  },
  {
    name: "concurrent dueRuns callers never receive the same run",
    run: async ({ store, time, peer }) => {
      const now = timeNow(time);
      const ids = [];
      for (let i = 0; i < 10; i++) {
        const id = await fresh(store);
        await store.suspendUntil(id, "s", now - 1_000);
        ids.push(id);
      }
      const other = peer ? await peer() : store;
      const batches = await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? other : store).dueRuns(now, 3)),
      );
      const all = batches.flat();
      equal(new Set(all).size, all.length, "no run is handed out twice");
      deepEqual([...all].sort(), [...ids].sort());
    },
  },
  {
    name: "suspendOnTopic, runsWaitingOn and cancel",
    run: async ({ store, time }) => {
      const id = await fresh(store);
      const topic = uniqueName("user.updated");
      await store.suspendOnTopic(id, "step-b", topic, {
        deadline: timeNow(time) + 3_600_000,
        data: { topic: true },
      });
      const run = await store.get(id);
      equal(run?.waitTopic, topic);
      ok((await store.runsWaitingOn(topic)).includes(id));
      await store.cancel(id);
      const cancelled = await store.get(id);
      equal(cancelled?.status, "cancelled");
      equal(cancelled?.waitTopic, null);
      deepEqual(await store.runsWaitingOn(topic), []);
    },
  },
  {
    name: "runsWaitingOn returns every run on a topic and markResumed clears the waits",
    run: async ({ store }) => {
      const topic = uniqueName("group.topic");
      const ids = [];
      for (let i = 0; i < 3; i++) {
        const id = await fresh(store, `contract.wf.${i}`);
        await store.suspendOnTopic(id, "group-step", topic, { data: { index: i } });
        ids.push(id);
      }
      deepEqual((await store.runsWaitingOn(topic)).sort(), [...ids].sort());
      for (const id of ids) await store.markResumed(id, { payload: `resume-${id}` });
      deepEqual(await store.runsWaitingOn(topic), []);
      for (const id of ids) {
        const run = await store.get(id);
        equal(run?.status, "running");
        equal(run?.suspensionData?.payload, `resume-${id}`);
        equal(run?.waitTopic, null);
      }
    },
  },
  {
    name: "resolveWatchers resolves each watcher exactly once and writes the payload on the run",
    run: async ({ store }) => {
      const id = await fresh(store);
      const topic = uniqueName("contract.topic");
      await store.suspendOnTopic(id, "event-step", topic, {
        data: { step: "event-step", iteration: 0, iterationStep: "event-step" },
      });
      ok((await store.runsWaitingOn(topic)).includes(id));
      const watchers = await store.listWatchers(topic);
      equal(watchers[0]?.runId, id);
      equal(watchers[0]?.stepName, "event-step");
      const resolved = await store.resolveWatchers(topic, { value: 42 });
      equal(resolved.length, 1);
      equal(resolved[0].runId, id);
      equal(resolved[0].stepName, "event-step");
      equal(resolved[0].topic, topic);
      deepEqual(resolved[0].resumeData.payload, { value: 42 });
      equal(resolved[0].resumeData.topic, topic);
      deepEqual(await store.listWatchers(topic), []);
      deepEqual(await store.runsWaitingOn(topic), []);
      const run = await store.get(id);
      equal(run?.status, "running");
      deepEqual(run?.suspensionData?.payload, { value: 42 });
      deepEqual(
        await store.resolveWatchers(topic, { value: 43 }),
        [],
        "a second emit finds no one",
      );
    },
  },
  {
    name: "concurrent resolveWatchers calls resolve each watcher once",
    run: async ({ store, peer }) => {
      const topic = uniqueName("race.topic");
      const ids = [];
      for (let i = 0; i < 6; i++) {
        const id = await fresh(store);
        await store.suspendOnTopic(id, "wait", topic);
        ids.push(id);
      }
      const other = peer ? await peer() : store;
      const results = await Promise.all(
        Array.from(
          { length: 4 },
          (_, i) => (i % 2 ? other : store).resolveWatchers(topic, { i }, 2),
        ),
      );
      const runIds = results.flat().map((r) => r.runId);
      equal(new Set(runIds).size, runIds.length);
      // Whatever a batch limit left behind is still resolvable; together every run resumes once.
      const rest = (await store.resolveWatchers(topic, {})).map((r) => r.runId);
      deepEqual([...runIds, ...rest].sort(), [...ids].sort());
    },
  },
  {
    name: "listWatchers exposes metadata and the deadline",
    run: async ({ store, time }) => {
      const id = await fresh(store);
      const topic = uniqueName("contract.inspect");
      const deadline = timeNow(time) + 300_000;
      await store.suspendOnTopic(id, "inspect-step", topic, {
        deadline,
        data: { note: "contract-test" },
      });
      const watchers = await store.listWatchers(topic);
      equal(watchers.length, 1);
      equal(watchers[0].runId, id);
      equal(watchers[0].stepName, "inspect-step");
      equal(watchers[0].topic, topic);
      equal(watchers[0].data.note, "contract-test");
      ok(Math.abs((watchers[0].deadline ?? 0) - deadline) < 5_000);
      ok(
        (await store.listWatchers()).some((w) => w.runId === id),
        "listWatchers() lists every topic",
      );
    },
  },
  {
    name: "a watcher's deadline makes the run due",
    run: async ({ store, time }) => {
      const id = await fresh(store);
      const topic = uniqueName("deadline.topic");
      await store.suspendOnTopic(id, "wait", topic, { deadline: timeNow(time) - 1 });
      ok((await store.dueRuns(timeNow(time))).includes(id));
    },
  },
  {
    name: "markCompleted stores the result and empties the suspension data",
    run: async ({ store }) => {
      const id = await fresh(store);
      await store.markCompleted(id, { output: "ok" });
      const run = await store.get(id);
      equal(run?.status, "completed");
      deepEqual(run?.result, { output: "ok" });
      deepEqual(run?.suspensionData, {});
    },
  },
  {
    name: "markFailed records the error and fails the run only when terminal",
    run: async ({ store }) => {
      const id = await fresh(store);
      await store.markFailed(id, { error: "StateError: contract failure", stack: "at x" });
      let run = await store.get(id);
      equal(run?.status, "running");
      ok(run?.lastError?.error.includes("contract failure"));
      await store.markFailed(id, { error: "StateError: contract failure" }, { terminal: true });
      run = await store.get(id);
      equal(run?.status, "failed");
    },
  },
  {
    name: "listRuns filters by workflow and status",
    run: async ({ store }) => {
      const a = await fresh(store, "contract.a");
      await store.markCompleted(a, null);
      const b = await fresh(store, "contract.b");
      const all = await store.listRuns({ limit: 10 });
      ok(all.some((r) => r.id === a) && all.some((r) => r.id === b));
      const onlyA = await store.listRuns({ workflow: "contract.a" });
      equal(onlyA.length, 1);
      equal(onlyA[0].status, "completed");
      ok((await store.listRuns({ status: "completed" })).some((r) => r.id === a));
      equal((await store.listRuns({ status: "completed" })).some((r) => r.id === b), false);
    },
  },
  {
    name: "listSteps returns checkpoints in execution order",
    run: async ({ store }) => {
      const id = await fresh(store);
      await store.saveStep(id, "step-a", 1);
      await store.saveStep(id, "step-b", 2);
      await store.saveStep(id, "step-c", 3);
      const steps = await store.listSteps(id);
      deepEqual(steps.map((s) => s.name), ["step-a", "step-b", "step-c"]);
      deepEqual(steps.map((s) => s.value), [1, 2, 3]);
    },
  },
  {
    name: "listSteps includes versioned checkpoints in order",
    run: async ({ store }) => {
      const id = await fresh(store);
      await saveVersioned(store, id);
      deepEqual((await store.listSteps(id)).map((s) => s.name), ["repeat#0", "repeat#1", "tail"]);
    },
  },
  {
    name: "createRun persists the cancellation policy",
    run: async ({ store }) => {
      const id = await store.createRun({
        workflow: WF,
        params: {},
        cancellationPolicy: { maxRunDuration: 300_000, maxSuspendDuration: 60_000 },
      });
      const run = await store.get(id);
      equal(run?.cancellationPolicy?.maxRunDuration, 300_000);
      equal(run?.cancellationPolicy?.maxSuspendDuration, 60_000);
      ok(run?.createdAt);
    },
  },
  {
    name: "cancel persists the reason",
    run: async ({ store }) => {
      const id = await fresh(store);
      await store.cancel(id, "maxRunDuration");
      const run = await store.get(id);
      equal(run?.status, "cancelled");
      equal(run?.cancellationData?.reason, "maxRunDuration");
    },
  },
  {
    name: "operations on a missing run throw unknown-run",
    run: async ({ store }) => {
      const error = await throws(() => store.saveStep(uniqueName("missing"), "s", 1));
      equal((error as { code?: string }).code, "unknown-run");
    },
  },
];
