/**
 * Durable workflows: definitions, the runtime, the store and event-bus ports.
 *
 * @module
 */
export * from "./run_state.ts";
export * from "./runtime_metadata.ts";
export * from "./workflow_store.ts";
export * from "./event_bus.ts";
export * from "./workflow_errors.ts";
export * from "./event_ref.ts";
export * from "./workflow_definition.ts";
export * from "./step_context.ts";
export * from "./workflow_signals.ts";
export * from "./workflow_runtime.ts";
