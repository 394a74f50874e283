// Broker and ResultBackend contract suites against a real redis-server over TCP.
import * as api from "node:test";
import { RedisStreamsBroker } from "../adapters/redis/broker/redis_streams_broker.ts";
import { RedisResultBackend } from "../adapters/redis/backend/redis_result_backend.ts";
import { runBrokerContract } from "../src/testing/broker_contract.ts";
import { runResultBackendContract } from "../src/testing/result_backend_contract.ts";
import { runSettleCases } from "../src/testing/contracts/broker/settle_cases.ts";
import { faultyRedisBroker } from "./helpers/settle_faults.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import "../adapters/redis/mod.ts"; // registers the TCP transport for redis:// URLs

const skip = redisSkipReason();
const server: RedisServer | null = skip ? null : await startRedisServer();
api.after(() => server?.stop());

const namespace = () => `t${Math.random().toString(36).slice(2, 10)}`;

if (!server) {
  api.test("Redis TCP contract suites", { skip: skip! }, () => {});
} else {
  const brokerOptions = () => ({
    namespace: namespace(),
    defaultVisibilityTimeout: 1_000,
    claimInterval: 100,
  });
  const redisBroker = {
    name: "redis (tcp)",
    api,
    create: () => RedisStreamsBroker.connect(server.url, brokerOptions()),
  };
  runBrokerContract(redisBroker);
  runSettleCases({
    ...redisBroker,
    createFaulty: () => faultyRedisBroker(server.url, brokerOptions()),
  });
  let backendNs = namespace();
  runResultBackendContract({
    name: "redis (tcp)",
    api,
    create: () => {
      backendNs = namespace();
      return RedisResultBackend.connect(server.url, { namespace: backendNs });
    },
    createPeer: () => RedisResultBackend.connect(server.url, { namespace: backendNs }),
  });
}
