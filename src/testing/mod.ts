/**
 * Test helpers and adapter conformance suites.
 *
 * @module
 */
export { runBrokerContract, testEnvelope } from "./broker_contract.ts";
export type { BrokerContractOptions } from "./broker_contract.ts";
export { runResultBackendContract, testStatus } from "./result_backend_contract.ts";
export type { ResultBackendContractOptions } from "./result_backend_contract.ts";
export { eventually, nextWithin, uniqueName } from "./contract_harness.ts";
export type { TestApi, TestFn } from "./contract_harness.ts";
export { ContractAssertionError } from "./assert.ts";
export { FakeClock } from "./fake_clock.ts";
export { FakeStem } from "./fake_stem.ts";
export type { FakeStemOptions, RecordedEnqueue } from "./fake_stem.ts";
