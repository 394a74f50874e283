import type { WorkflowStore } from "../../../workflow/workflow_store.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { workflowStoreCases } from "./cases.ts";

export type { WorkflowStoreCase } from "./cases.ts";
export { workflowStoreCases } from "./cases.ts";

/**
 * Registers the WorkflowStore conformance cases.
 *
 * @example
 * ```ts ignore
 * runWorkflowStoreContract({ name: "mine", api, capabilities: {},
 *   create: async () => { const store = await MyStore.connect(url);
 *     return { store, dispose: () => store.close() }; } });
 * ```
 */
export function runWorkflowStoreContract(
  options: StoreSuiteOptions<WorkflowStore, Record<never, never>>,
): void {
  runStoreSuite("WorkflowStore", options, workflowStoreCases);
}
