import type { WorkflowStore } from "../../../workflow/workflow_store.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { workflowFacadeCases } from "./cases.ts";

export type { WorkflowFacadeCase } from "./cases.ts";
export { workflowFacadeCases } from "./cases.ts";

/**
 * Registers the workflow-script facade cases: a `WorkflowRuntime` on a fake clock over the
 * store `create` opens, executing `WorkflowScript`s directly (no worker, no broker).
 *
 * @example
 * ```ts ignore
 * runWorkflowFacadeContract({ name: "mine", api, capabilities: {},
 *   create: async () => { const store = await MyStore.connect(url);
 *     return { store, dispose: () => store.close() }; } });
 * ```
 */
export function runWorkflowFacadeContract(
  options: StoreSuiteOptions<WorkflowStore, Record<never, never>>,
): void {
  runStoreSuite("WorkflowScript facade", options, workflowFacadeCases);
}
