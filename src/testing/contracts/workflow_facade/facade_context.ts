import type { JsonValue } from "../../../core/envelope.ts";
import type { WorkflowProducer } from "../../../workflow/workflow_runtime.ts";
import { WorkflowRuntime } from "../../../workflow/workflow_runtime.ts";
import type { WorkflowDefinition } from "../../../workflow/workflow_definition.ts";
import type { WorkflowStore } from "../../../workflow/workflow_store.ts";
import { FakeClock } from "../../fake_clock.ts";
import type { StoreTestContext } from "../contract_case.ts";

/** One enqueue the runtime made, as the recording producer saw it. */
export interface RecordedEnqueue {
  /** Task name. */
  name: string;
  /** Queue it was routed to. */
  queue: string | undefined;
  /** Task args. */
  args: Record<string, JsonValue>;
  /** Envelope meta. */
  meta: Record<string, JsonValue>;
}

/** A producer that keeps every enqueue so a case can assert the routing without a broker. */
export interface RecordingProducer extends WorkflowProducer {
  /** Every enqueue, oldest first. */
  readonly sent: RecordedEnqueue[];
}

/** A producer recording enqueues; `waitForTask` is never reached by the facade cases. */
export function recordingProducer(): RecordingProducer {
  const sent: RecordedEnqueue[] = [];
  return {
    sent,
    enqueue: (name, request = {}) => {
      sent.push({
        name,
        queue: request.enqueueOptions?.queue,
        args: request.args ?? {},
        meta: request.meta ?? {},
      });
      return Promise.resolve(`recorded-${sent.length}`);
    },
    waitForTask: () => Promise.reject(new Error("waitForTask is not used by the facade suite")),
  };
}

/** Queues of a runtime a case builds. */
export interface RuntimeQueues {
  /** First executions. */
  queue?: string;
  /** Resumptions. */
  continuationQueue?: string;
  /** Child tasks. */
  executionQueue?: string;
}

/**
 * A runtime over the store under test, on a fake clock, with its poller never started: the
 * cases call `executeRun` and `resumeDueRuns`-equivalents themselves, so nothing depends on
 * timers. The clock is the store's own fake clock when it honours one, else one starting now
 * (a server-clocked store then sees plausible timestamps).
 */
export function facadeRuntime(
  t: StoreTestContext<WorkflowStore>,
  workflows: WorkflowDefinition<never, unknown>[],
  queues: RuntimeQueues = {},
  producer: RecordingProducer = recordingProducer(),
): { runtime: WorkflowRuntime; clock: FakeClock; producer: RecordingProducer } {
  const clock = t.time.fake ?? new FakeClock(Date.now());
  const runtime = new WorkflowRuntime({
    store: t.store,
    producer,
    workflows,
    clock,
    pollInterval: "50ms",
    ...queues,
  });
  return { runtime, clock, producer };
}
