// Broker and ResultBackend contract suites over the HTTP transport (Upstash REST protocol),
// through the REST bridge in front of a real redis-server.
import * as api from "node:test";
import { RedisStreamsBroker } from "../adapters/redis/broker/redis_streams_broker.ts";
import { RedisResultBackend } from "../adapters/redis/backend/redis_result_backend.ts";
import { runBrokerContract } from "../src/testing/broker_contract.ts";
import { runResultBackendContract } from "../src/testing/result_backend_contract.ts";
import { runSettleCases } from "../src/testing/contracts/broker/settle_cases.ts";
import { faultyRedisBroker } from "./helpers/settle_faults.ts";
import { redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";
import "../adapters/redis/mod.ts"; // registers the TCP transport for redis:// URLs

const skip = redisSkipReason();
const server = skip ? null : await startRedisServer();
const bridge = server ? await startBridge(server.url) : null;
api.after(async () => {
  await bridge?.close();
  await server?.stop();
});

const namespace = () => `h${Math.random().toString(36).slice(2, 10)}`;

if (!bridge) {
  api.test("Redis HTTP contract suites", { skip: skip! }, () => {});
} else {
  const options = { token: BRIDGE_TOKEN, maxIdleWait: 100, maxWatchPoll: 100 };
  const brokerOptions = () => ({
    ...options,
    namespace: namespace(),
    defaultVisibilityTimeout: 1_000,
    claimInterval: 100,
  });
  const redisBroker = {
    name: "redis (http)",
    api,
    create: () => RedisStreamsBroker.connect(bridge.url, brokerOptions()),
  };
  runBrokerContract(redisBroker);
  runSettleCases({
    ...redisBroker,
    createFaulty: () => faultyRedisBroker(bridge.url, brokerOptions()),
  });
  let backendNs = namespace();
  runResultBackendContract({
    name: "redis (http)",
    api,
    create: () => {
      backendNs = namespace();
      return RedisResultBackend.connect(bridge.url, { ...options, namespace: backendNs });
    },
    createPeer: () => RedisResultBackend.connect(bridge.url, { ...options, namespace: backendNs }),
  });
}
