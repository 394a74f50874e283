/**
 * Test helpers and the adapter conformance suites: one suite per port, and
 * `runAdapterContracts` to run them all over an adapter's `StoreSet`.
 *
 * @module
 */
export { testEnvelope, testStatus } from "./test_values.ts";
export { runAdapterContracts } from "./contracts/run_adapter_contracts.ts";
export type { AdapterFixture, ContractStores } from "./contracts/run_adapter_contracts.ts";
export { registerCases } from "./contracts/contract_case.ts";
export type {
  ContractCase,
  CreatedStore,
  StoreSuiteOptions,
  StoreTestContext,
  SuiteTime,
} from "./contracts/contract_case.ts";
export { brokerCases, runBrokerContract } from "./contracts/broker/mod.ts";
export type {
  BrokerCase,
  BrokerContractOptions,
  BrokerTestContext,
} from "./contracts/broker/mod.ts";
export { deadLetterCases, runDeadLetterContract } from "./contracts/dead_letters/mod.ts";
export type {
  DeadLetterCase,
  DeadLetterContractOptions,
  DeadLetterTestContext,
} from "./contracts/dead_letters/mod.ts";
export { runStatusStoreContract, statusCases } from "./contracts/statuses/mod.ts";
export type { StatusCase } from "./contracts/statuses/mod.ts";
export { groupCases, runGroupStoreContract } from "./contracts/groups/mod.ts";
export type { GroupCase } from "./contracts/groups/mod.ts";
export { heartbeatCases, runHeartbeatStoreContract } from "./contracts/heartbeats/mod.ts";
export type { HeartbeatCase } from "./contracts/heartbeats/mod.ts";
export { kvCases, runAtomicKvContract } from "./contracts/kv/mod.ts";
export type { KvCase } from "./contracts/kv/mod.ts";
export { revokeCases, runRevokeStoreContract } from "./contracts/revokes/mod.ts";
export type { RevokeCase } from "./contracts/revokes/mod.ts";
export { runScheduleStoreContract, scheduleCases } from "./contracts/schedules/mod.ts";
export type { ScheduleCase } from "./contracts/schedules/mod.ts";
export { lockCases, runLockStoreContract } from "./contracts/locks/mod.ts";
export type { LockCase } from "./contracts/locks/mod.ts";
export { rateLimiterCases, runRateLimiterContract } from "./contracts/rate_limiter/mod.ts";
export type { RateLimiterCase } from "./contracts/rate_limiter/mod.ts";
export { runWorkflowStoreContract, workflowStoreCases } from "./contracts/workflows/mod.ts";
export type { WorkflowStoreCase } from "./contracts/workflows/mod.ts";
export { runWorkflowFacadeContract, workflowFacadeCases } from "./contracts/workflow_facade/mod.ts";
export type { WorkflowFacadeCase } from "./contracts/workflow_facade/mod.ts";
export { eventBusCases, runEventBusContract } from "./contracts/events/mod.ts";
export type { EventBusCase } from "./contracts/events/mod.ts";
export { eventually, nextWithin, uniqueName } from "./contract_harness.ts";
export type { TestApi, TestFn } from "./contract_harness.ts";
export { ContractAssertionError } from "./assert.ts";
export { FakeClock } from "./fake_clock.ts";
export { FakeStem } from "./fake_stem.ts";
export type { FakeStemOptions, RecordedEnqueue } from "./fake_stem.ts";
