import type { StoreSet } from "../../core/adapter.ts";
import type { Clock } from "../../core/clock.ts";
import type { TestApi } from "../contract_harness.ts";
import type { FaultyBroker } from "./broker/broker_context.ts";
import { runBrokerContract } from "./broker/mod.ts";
import { type CreatedStore, registerSkipped, type SuiteTime } from "./contract_case.ts";
import { runDeadLetterContract } from "./dead_letters/mod.ts";
import { runGroupStoreContract } from "./groups/mod.ts";
import { runHeartbeatStoreContract } from "./heartbeats/mod.ts";
import { runAtomicKvContract } from "./kv/mod.ts";
import { runLockStoreContract } from "./locks/mod.ts";
import { locksOf } from "../../locks/locks_of.ts";
import { rateLimiterOf } from "../../rate_limit/rate_limiter_of.ts";
import { runRateLimiterContract } from "./rate_limiter/mod.ts";
import { runStatusStoreContract } from "./statuses/mod.ts";
import { runRevokeStoreContract } from "./revokes/mod.ts";
import { KvRevokeStore } from "../../control/kv_revoke_store.ts";
import { runScheduleStoreContract } from "./schedules/mod.ts";
import { KvScheduleStore } from "../../scheduler/kv_schedule_store.ts";
import { runEventBusContract } from "./events/mod.ts";
import { runWorkflowStoreContract } from "./workflows/mod.ts";
import { runWorkflowFacadeContract } from "./workflow_facade/mod.ts";

/** The stores a fixture opens: any members of a `StoreSet` (missing ones are skipped) and close. */
export type ContractStores = Partial<Omit<StoreSet, "close">> & {
  /** Closes every store of the set and its connection. */
  close(): Promise<void>;
};

/** One adapter configuration that every contract suite runs against. */
export interface AdapterFixture {
  /** Shown in every test title, e.g. `"redis-tcp"`. */
  name: string;
  /** The test framework: the runtime's `node:test` exports. */
  api: TestApi;
  /**
   * Opens a fresh set of stores (a new namespace, database or file) for one test. `clock` is
   * passed only when `fakeClock` is true and the suite tests time (never to the broker suites).
   */
  connect(options?: { clock?: Clock }): Promise<ContractStores>;
  /** Opens another set on the storage of the latest `connect` (as a second process would). */
  connectPeer?(): Promise<ContractStores>;
  /** Opens a broker (fresh namespace) whose settles can be made to fail on purpose. */
  connectFaulty?(): Promise<FaultyBroker>;
  /** Why there is no `connectFaulty` (shown on the skipped case). */
  noSettleFaults?: string;
  /** The adapter's stores honour an injected clock, so TTL cases tick a `FakeClock`. */
  fakeClock?: boolean;
  /** Multiplies real-time waits of the broker cases. @default 1 */
  timeScale?: number;
}

type Member = Exclude<keyof ContractStores, "close">;

/**
 * Runs every contract suite for every store the fixture's `StoreSet` holds: broker, dead
 * letters, statuses, groups, heartbeats, kv and locks (over kv when the set has no native one). A store the set lacks is reported as skipped
 * with "<store>: not implemented by this adapter yet"; a case needing a capability a store lacks
 * is skipped with the flag as the reason (`"statuses.capabilities.crossProcessWatch is false"`).
 * It opens one set first to read the capabilities, so call it at the top level with `await`.
 *
 * @example
 * ```ts ignore
 * import * as api from "node:test";
 * import { runAdapterContracts } from "@stem/stem/testing";
 * import { stemAdapter } from "./my_adapter.ts";
 * await runAdapterContracts({
 *   name: "my-adapter",
 *   api,
 *   connect: () => stemAdapter.connect!(URL, { namespace: crypto.randomUUID() }),
 * });
 * ```
 */
export async function runAdapterContracts(fixture: AdapterFixture): Promise<void> {
  const probe = await fixture.connect();
  const { api, name } = fixture;
  const scale = fixture.timeScale ?? 1;
  const has = (member: Member) => probe[member] !== undefined;
  await probe.close();

  const missing = (port: string, member: Member) =>
    registerSkipped(
      api,
      `${port} contract: ${name}`,
      `${member}: not implemented by this adapter yet`,
    );

  if (probe.broker) {
    runBrokerContract({
      name,
      api,
      timeScale: scale,
      capabilities: probe.broker.capabilities,
      createFaulty: fixture.connectFaulty,
      noSettleFaults: fixture.noSettleFaults,
      create: async () => {
        const set = await fixture.connect();
        return { broker: set.broker!, dispose: () => set.close() };
      },
    });
  } else missing("Broker", "broker");

  if (probe.broker && has("deadLetters")) {
    runDeadLetterContract({
      name,
      api,
      timeScale: scale,
      capabilities: probe.broker.capabilities,
      create: async () => {
        const set = await fixture.connect();
        return { broker: set.broker!, deadLetters: set.deadLetters!, dispose: () => set.close() };
      },
    });
  } else missing("DeadLetterStore", "deadLetters");

  const suite = <M extends Member>(member: M) => ({
    name,
    api,
    timeScale: scale,
    fakeClock: fixture.fakeClock ?? false,
    create: async (time: SuiteTime): Promise<CreatedStore<NonNullable<ContractStores[M]>>> => {
      const set = await fixture.connect(time.fake ? { clock: time.fake } : {});
      const peer = fixture.connectPeer;
      return {
        store: set[member]!,
        dispose: () => set.close(),
        peer: peer
          ? async () => {
            const other = await peer();
            return { store: other[member]!, dispose: () => other.close() };
          }
          : undefined,
      };
    },
  });

  if (probe.statuses) {
    runStatusStoreContract({ ...suite("statuses"), capabilities: probe.statuses.capabilities });
  } else missing("StatusStore", "statuses");
  if (has("groups")) runGroupStoreContract({ ...suite("groups"), capabilities: {} });
  else missing("GroupStore", "groups");
  if (has("heartbeats")) runHeartbeatStoreContract({ ...suite("heartbeats"), capabilities: {} });
  else missing("HeartbeatStore", "heartbeats");
  if (probe.kv) runAtomicKvContract({ ...suite("kv"), capabilities: probe.kv.capabilities });
  else missing("AtomicKv", "kv");

  // Stores a set may lack natively are tested as the app gets them: written once over its kv.
  const derived = <Store>(build: (set: ContractStores) => Store) => ({
    ...suite("kv"),
    create: async (time: SuiteTime): Promise<CreatedStore<Store>> => {
      const set = await fixture.connect(time.fake ? { clock: time.fake } : {});
      const peer = fixture.connectPeer;
      return {
        store: build(set),
        dispose: () => set.close(),
        peer: peer
          ? async () => {
            const other = await peer();
            return { store: build(other), dispose: () => other.close() };
          }
          : undefined,
      };
    },
  });
  if (has("locks") || probe.kv) {
    runLockStoreContract({ ...derived((set) => locksOf(set as StoreSet)), capabilities: {} });
  } else missing("LockStore", "locks");
  if (has("revokes") || probe.kv) {
    runRevokeStoreContract({
      ...derived((set) => set.revokes ?? new KvRevokeStore(set.kv!)),
      capabilities: {},
    });
  } else missing("RevokeStore", "revokes");
  if (has("schedules") || probe.kv) {
    runScheduleStoreContract({
      ...derived((set) => set.schedules ?? new KvScheduleStore(set.kv!)),
      capabilities: { watchChanges: probe.schedules?.watchChanges !== undefined },
    });
  } else missing("ScheduleStore", "schedules");
  if (has("rateLimiter") || probe.kv) {
    runRateLimiterContract({
      ...suite("kv"),
      capabilities: {},
      create: async (time) => {
        const clock = time.fake ?? undefined;
        const set = await fixture.connect(clock ? { clock } : {});
        const peer = fixture.connectPeer;
        return {
          store: rateLimiterOf(set as StoreSet, clock),
          dispose: () => set.close(),
          peer: peer
            ? async () => {
              const other = await peer();
              return {
                store: rateLimiterOf(other as StoreSet, clock),
                dispose: () => other.close(),
              };
            }
            : undefined,
        };
      },
    });
  } else missing("RateLimiter", "rateLimiter");
  if (has("workflows")) {
    runWorkflowStoreContract({ ...suite("workflows"), capabilities: {} });
    runWorkflowFacadeContract({ ...suite("workflows"), capabilities: {} });
  } else missing("WorkflowStore", "workflows");
  if (probe.events) {
    runEventBusContract({ ...suite("events"), capabilities: probe.events.capabilities });
  } else missing("EventBus", "events");
}
