import * as api from "node:test";
import { InMemoryBroker } from "../adapters/memory/memory_broker.ts";
import { InMemoryResultBackend } from "../adapters/memory/memory_result_backend.ts";
import { runBrokerContract } from "../src/testing/broker_contract.ts";
import { runResultBackendContract } from "../src/testing/result_backend_contract.ts";
import { runSettleCases } from "../src/testing/contracts/broker/settle_cases.ts";

const memoryBroker = {
  name: "memory",
  api,
  create: () => Promise.resolve(new InMemoryBroker()),
};
runBrokerContract(memoryBroker);
runSettleCases({
  ...memoryBroker,
  noFaultsReason: "memory settles do no I/O, so they cannot fail",
});
runResultBackendContract({
  name: "memory",
  api,
  create: () => Promise.resolve(new InMemoryResultBackend()),
});
