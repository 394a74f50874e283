import type { RunState } from "./run_state.ts";

/** The params key holding the runtime's metadata; never visible to the workflow. */
export const RUNTIME_PARAMS_KEY = "__stem.workflow.runtime";
/** The params key holding the parent run of a child workflow. */
export const PARENT_RUN_PARAMS_KEY = "__stem.workflow.parentRunId";

/** What the runtime stores with a run so any process can route its continuations. */
export interface RunRuntimeMetadata {
  /** Stable hash of the workflow definition. */
  workflowId?: string;
  /** Queue the run's first execution is enqueued on. */
  orchestrationQueue?: string;
  /** Queue resumptions (sleep, event, rewind) are enqueued on. */
  continuationQueue?: string;
  /** Queue child tasks default to. */
  executionQueue?: string;
  /** Payload serialization. */
  serializationFormat?: string;
  /** Its version. */
  serializationVersion?: string;
  /** Message frame. */
  frameFormat?: string;
  /** Its version. */
  frameVersion?: string;
  /** What protects the frames. */
  encryptionScope?: string;
  /** Whether payloads are encrypted. */
  encryptionEnabled?: boolean;
  /** Stream the run's events go to. */
  streamId?: string;
}

/** The params a workflow sees: the stored ones without the reserved keys. */
export function workflowParams(state: Pick<RunState, "params">): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state.params)) {
    if (key !== RUNTIME_PARAMS_KEY && key !== PARENT_RUN_PARAMS_KEY) out[key] = value;
  }
  return out;
}

/** The runtime metadata stored in a run's params (empty when none). */
export function runtimeMetadata(state: Pick<RunState, "params">): RunRuntimeMetadata {
  const value = state.params[RUNTIME_PARAMS_KEY];
  return value && typeof value === "object" ? value as RunRuntimeMetadata : {};
}

/** The parent run of a child workflow; null for a top-level run. */
export function parentRunId(state: Pick<RunState, "params">): string | null {
  const value = state.params[PARENT_RUN_PARAMS_KEY];
  return typeof value === "string" ? value : null;
}
