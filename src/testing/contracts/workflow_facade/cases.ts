import { WorkflowScript } from "../../../workflow/workflow_definition.ts";
import { WORKFLOW_RUN_TASK } from "../../../workflow/workflow_runtime.ts";
import { runtimeMetadata } from "../../../workflow/runtime_metadata.ts";
import type { WorkflowStore } from "../../../workflow/workflow_store.ts";
import { deepEqual, equal, ok } from "../../assert.ts";
import { uniqueName } from "../../contract_harness.ts";
import type { ContractCase, StoreTestContext } from "../contract_case.ts";
import { facadeRuntime, recordingProducer } from "./facade_context.ts";

/** One workflow-script facade conformance case. */
export type WorkflowFacadeCase = ContractCase<
  StoreTestContext<WorkflowStore>,
  Record<never, never>
>;

async function stepValue(store: WorkflowStore, runId: string, step: string): Promise<unknown> {
  return (await store.readStep(runId, step))?.value;
}

/**
 * `WorkflowScript` driven through a `WorkflowRuntime` over the store under test
 * (contract-behaviors §7): checkpoints, sleep, auto-versioned steps, events and the routing of
 * event resumptions. The runtime's poller is never started; each case calls `executeRun`.
 */
export const workflowFacadeCases: WorkflowFacadeCase[] = [
  {
    name: "persists sequential steps and the final result",
    run: async (t) => {
      const seen: unknown[] = [];
      const script = new WorkflowScript<Record<string, never>, string>({
        name: "contract.facade.sequential",
        run: async (s) => {
          const first = await s.step("first", () => "ready");
          return await s.step("second", (step) => {
            seen.push(step.previousResult);
            return `${first}-done`;
          });
        },
      });
      const { runtime } = facadeRuntime(t, [script as never]);
      const runId = await runtime.startWorkflow(script, {});
      await runtime.executeRun(runId);
      const state = await t.store.get(runId);
      equal(state?.status, "completed");
      equal(state?.result, "ready-done");
      deepEqual(seen, ["ready"]);
      equal(await stepValue(t.store, runId, "first"), "ready");
      equal(await stepValue(t.store, runId, "second"), "ready-done");
      deepEqual((await t.store.listSteps(runId)).map((c) => c.name), ["first", "second"]);
    },
  },
  {
    name: "sleep suspends and resumes with the stored payload",
    run: async (t) => {
      const script = new WorkflowScript<Record<string, never>, string>({
        name: "contract.facade.sleep",
        run: async (s) => {
          await s.step("wait", async (step) => {
            if (step.takeResumeData() !== true) {
              await step.sleep("30ms");
              return "waiting";
            }
            return "slept";
          });
          return "done";
        },
      });
      const { runtime, clock, producer } = facadeRuntime(t, [script as never]);
      const runId = await runtime.startWorkflow(script, {});
      await runtime.executeRun(runId);
      const suspended = await t.store.get(runId);
      equal(suspended?.status, "suspended");
      ok(suspended?.resumeAt !== null && suspended?.resumeAt !== undefined, "resumeAt is set");
      equal(await t.store.readStep(runId, "wait"), null, "a suspending step is not checkpointed");

      await clock.tick(40);
      // The runtime's own due pass (what its poller runs): dueRuns, then markResumed with the
      // sleep's `payload: true` added to the suspension data, then a continuation enqueue.
      // (The Dart store kept `payload: true` in the sleep's suspensionData; here the runtime
      // adds it when it resumes the run.)
      equal(await runtime.resumeDueRuns(), 1);
      const due = producer.sent.at(-1);
      equal(due?.meta["stem.workflow.continuationReason"], "due");
      await runtime.executeRun(runId);
      const done = await t.store.get(runId);
      equal(done?.status, "completed");
      equal(done?.result, "done");
      equal(await stepValue(t.store, runId, "wait"), "slept");
    },
  },
  {
    name: "autoVersion steps persist sequential checkpoints",
    run: async (t) => {
      const iterations: number[] = [];
      const script = new WorkflowScript<Record<string, never>, number>({
        name: "contract.facade.loop",
        run: async (s) => {
          let sum = 0;
          for (let i = 0; i < 3; i++) {
            sum += await s.step("repeat", (step) => {
              iterations.push(step.iteration);
              return step.iteration;
            }, { autoVersion: true });
          }
          return sum;
        },
      });
      const { runtime } = facadeRuntime(t, [script as never]);
      const runId = await runtime.startWorkflow(script, {});
      await runtime.executeRun(runId);
      deepEqual(iterations, [0, 1, 2]);
      equal(await stepValue(t.store, runId, "repeat#0"), 0);
      equal(await stepValue(t.store, runId, "repeat#1"), 1);
      equal(await stepValue(t.store, runId, "repeat#2"), 2);
      const state = await t.store.get(runId);
      equal(state?.status, "completed");
      equal(state?.result, 3);
    },
  },
  {
    name: "awaitEvent resumes with the emitted payload",
    run: async (t) => {
      const topic = uniqueName("contract.event");
      const observed: unknown[] = [];
      const script = new WorkflowScript<Record<string, never>, unknown>({
        name: "contract.facade.event",
        run: (s) =>
          s.step("wait", async (step) => {
            const resume = step.takeResumeData<{ value: string }>();
            if (resume === null) {
              await step.awaitEvent(topic);
              return "waiting";
            }
            observed.push(resume.value);
            return resume.value;
          }),
      });
      const { runtime, producer } = facadeRuntime(t, [script as never]);
      const runId = await runtime.startWorkflow(script, {});
      await runtime.executeRun(runId);
      const suspended = await t.store.get(runId);
      equal(suspended?.status, "suspended");
      equal(suspended?.waitTopic, topic);

      equal(await runtime.emit(topic, { value: "resumed" }), 1);
      const continuation = producer.sent.at(-1);
      equal(continuation?.name, WORKFLOW_RUN_TASK);
      equal(continuation?.args.runId, runId);
      await runtime.executeRun(runId);
      const done = await t.store.get(runId);
      equal(done?.status, "completed");
      deepEqual(observed, ["resumed"]);
      equal(done?.result, "resumed");
    },
  },
  {
    name: "event resumptions go to the run's persisted queues, not the emitting runtime's",
    run: async (t) => {
      const topic = uniqueName("contract.queue-routing");
      const build = () =>
        new WorkflowScript<Record<string, never>, unknown>({
          name: "contract.facade.routing",
          run: (s) => s.step("wait", (step) => step.awaitEvent(topic)),
        });
      const a = facadeRuntime(t, [build() as never], {
        queue: "workflow-a",
        continuationQueue: "workflow-a-cont",
        executionQueue: "workflow-a-exec",
      });
      const b = facadeRuntime(t, [build() as never], {
        queue: "workflow-b",
        continuationQueue: "workflow-b-cont",
        executionQueue: "workflow-b-exec",
      }, recordingProducer());
      const runId = await a.runtime.startWorkflow("contract.facade.routing", {});
      equal(a.producer.sent[0]?.queue, "workflow-a", "the first execution uses A's queue");
      await a.runtime.executeRun(runId);
      const suspended = await t.store.get(runId);
      ok(suspended);
      equal(suspended.status, "suspended");
      equal(suspended.waitTopic, topic);
      const persisted = runtimeMetadata(suspended);
      equal(persisted.orchestrationQueue, "workflow-a");
      equal(persisted.continuationQueue, "workflow-a-cont");
      equal(persisted.executionQueue, "workflow-a-exec");

      equal(await b.runtime.emit(topic, { value: "ok" }), 1);
      const fromB = b.producer.sent;
      equal(fromB.length, 1, "B enqueued exactly one continuation");
      equal(fromB[0].queue, "workflow-a-cont");
      equal(fromB.filter((e) => e.queue === "workflow-b-cont").length, 0);
      equal(fromB[0].args.runId, runId);
      equal(fromB[0].meta["stem.workflow.runId"], runId);
      equal(fromB[0].meta["stem.workflow.continuationReason"], "event");
      // The Dart suite also expected orchestration/continuation/execution queue keys in the
      // continuation's meta. This runtime keeps them only in the run's params (asserted above)
      // and reads them back from the store, so the envelope carries the run id and reason only.

      // B also defines the workflow, so it can run the continuation A's queue delivers.
      await b.runtime.executeRun(runId);
      const done = await t.store.get(runId);
      equal(done?.status, "completed");
      deepEqual(done?.result, { value: "ok" });
    },
  },
];
