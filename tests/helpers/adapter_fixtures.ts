// The adapter configurations every contract suite runs against, one per store set: memory,
// sqlite, postgres, redis-tcp, redis-http. Each starts its real server (stopped after the file
// by pid) and opens a fresh namespace, database or file per test.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { stemAdapter as memoryAdapter } from "../../adapters/memory/mod.ts";
import { connect as connectPostgres } from "../../adapters/postgres/mod.ts";
import { stemAdapter as redisAdapter } from "../../adapters/redis/mod.ts";
import { connect as connectSqlite } from "../../adapters/sqlite/mod.ts";
import type { AdapterFixture } from "../../src/testing/mod.ts";
import type { TestApi } from "../../src/testing/contract_harness.ts";
import { postgresSkipReason, startPostgres } from "./postgres_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./redis_bridge.ts";
import { redisSkipReason, startRedisServer } from "./redis_server.ts";
import { faultyPostgresBroker, faultyRedisBroker, faultySqliteBroker } from "./settle_faults.ts";

/** A fixture ready to run, or why it cannot run here. */
export type FixtureOrSkip = AdapterFixture | { skip: string };

/** Test-framework hooks a fixture needs to stop its server after the file. */
export type FixtureApi = TestApi & { after: (fn: () => Promise<void> | void) => unknown };

const ns = (prefix: string) => `${prefix}${process.pid}_${Math.random().toString(36).slice(2, 8)}`;

/** memory: the reference; TTLs run on a fake clock. */
export function memoryFixture(api: FixtureApi): Promise<FixtureOrSkip> {
  return Promise.resolve({
    name: "memory",
    api,
    fakeClock: true,
    noSettleFaults: "memory settles do no I/O, so they cannot fail",
    connect: (options = {}) => memoryAdapter.connect!("memory://", options),
  });
}

/** sqlite: a fresh database file per test. */
export function sqliteFixture(api: FixtureApi): Promise<FixtureOrSkip> {
  const dir = mkdtempSync(join(tmpdir(), "stem-sqlite-contract-"));
  api.after(() => rmSync(dir, { recursive: true, force: true }));
  let counter = 0;
  let file = "";
  const open = (path: string) => connectSqlite(path);
  return Promise.resolve({
    name: "sqlite",
    api,
    connect: () => open(file = join(dir, `stem-${++counter}.db`)),
    connectPeer: () => open(file),
    connectFaulty: () => faultySqliteBroker(join(dir, `stem-faulty-${++counter}.db`)),
  });
}

/** postgres: a real PostgreSQL, a fresh schema namespace per test. */
export async function postgresFixture(api: FixtureApi): Promise<FixtureOrSkip> {
  const skip = postgresSkipReason();
  if (skip) return { skip };
  const server = await startPostgres();
  api.after(() => server.stop());
  let namespace = "";
  const open = (name: string) => connectPostgres(server.url, { namespace: name, max: 4 });
  return {
    name: "postgres",
    api,
    connect: () => open(namespace = ns("contract_")),
    connectPeer: () => open(namespace),
    connectFaulty: () =>
      faultyPostgresBroker(server.url, { namespace: ns("faulty_"), pollInterval: 200 }),
  };
}

const redisTimings = { defaultVisibilityTimeout: 1_000, claimInterval: 100 };

/** redis-tcp: a real redis-server over node-redis, a fresh key namespace per test. */
export async function redisTcpFixture(api: FixtureApi): Promise<FixtureOrSkip> {
  const skip = redisSkipReason();
  if (skip) return { skip };
  const server = await startRedisServer();
  api.after(() => server.stop());
  let namespace = "";
  const open = (name: string) =>
    redisAdapter.connect!(server.url, { ...redisTimings, namespace: name });
  return {
    name: "redis-tcp",
    api,
    connect: () => open(namespace = ns("t")),
    connectPeer: () => open(namespace),
    connectFaulty: () => faultyRedisBroker(server.url, { ...redisTimings, namespace: ns("f") }),
  };
}

/** redis-http: the Upstash REST protocol through the bridge in front of a real redis-server. */
export async function redisHttpFixture(api: FixtureApi): Promise<FixtureOrSkip> {
  const skip = redisSkipReason();
  if (skip) return { skip };
  const server = await startRedisServer();
  const bridge = await startBridge(server.url);
  api.after(async () => {
    await bridge.close();
    await server.stop();
  });
  let namespace = "";
  // The pre-edge timings (fast polls and syncs): these suites test behaviour, not idle cost.
  const options = {
    token: BRIDGE_TOKEN,
    maxIdleWait: 100,
    maxWatchPoll: 100,
    maxBusPoll: 250,
    workerDefaults: {},
    ...redisTimings,
  };
  const open = (name: string) => redisAdapter.connect!(bridge.url, { ...options, namespace: name });
  return {
    name: "redis-http",
    api,
    connect: () => open(namespace = ns("h")),
    connectPeer: () => open(namespace),
    connectFaulty: () => faultyRedisBroker(bridge.url, { ...options, namespace: ns("f") }),
  };
}

/** Every fixture, in the order the loop runs them. */
export const adapterFixtures: readonly ((api: FixtureApi) => Promise<FixtureOrSkip>)[] = [
  memoryFixture,
  sqliteFixture,
  postgresFixture,
  redisTcpFixture,
  redisHttpFixture,
];
