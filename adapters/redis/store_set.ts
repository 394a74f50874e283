/**
 * Every Redis store on one transport: the `StoreSet` behind `stemAdapter.connect`. Importing
 * this module does not pull in node-redis; `redis://` URLs need `adapters/redis/mod.ts` (which
 * registers the TCP transport), `https://` (Upstash REST) works anywhere.
 *
 * @module
 */
import type { Duration } from "../../src/core/duration.ts";
import { KvHeartbeatStore } from "../../src/backend/kv_heartbeat_store.ts";
import type { StoreSet, StoreSetOptions, WorkerSyncDefaults } from "../../src/core/adapter.ts";
import { type RedisBackendOptions, RedisResultBackend } from "./backend/redis_result_backend.ts";
import { RedisKv } from "./backend/redis_kv.ts";
import { type RedisBrokerOptions, RedisStreamsBroker } from "./broker/redis_streams_broker.ts";
import { connectTransport } from "./connect.ts";
import type { RedisTransport } from "./transport.ts";
import { RedisScheduleStore } from "./scheduler/redis_schedule_store.ts";
import { RedisWorkflowStore } from "./workflow/redis_workflow_store.ts";
import { RedisEventBus } from "./workflow/redis_event_bus.ts";
import { RedisLockStore } from "./locks/redis_lock_store.ts";
import { RedisRateLimiter } from "./rate_limit/redis_rate_limiter.ts";

/** Options of the Redis adapter's `connect`: transport, broker and backend settings in one. */
export interface RedisStoreSetOptions
  extends StoreSetOptions, RedisBrokerOptions, RedisBackendOptions {
  /**
   * Longest poll back-off of event-bus subscribers over HTTP (remote control, workflow events):
   * the worst-case delay of a control command to an idle worker. @default "30s"
   */
  maxBusPoll?: Duration;
  /**
   * The worker timings the set suggests. @default over HTTP heartbeats, revocation and pause
   * syncs once a minute (an idle worker then costs under 10 commands a minute); over TCP none
   */
  workerDefaults?: WorkerSyncDefaults;
}

/** Every store of the Redis adapter; the concrete classes, for callers that need their extras. */
export interface RedisStoreSet extends StoreSet {
  /** The Streams broker (also `deadLetters`). */
  broker: RedisStreamsBroker;
  /** The result backend (also `groups`). */
  statuses: RedisResultBackend;
  /** The AtomicKv that heartbeats live in. */
  kv: RedisKv;
  /** Beat's schedule entries. */
  schedules: RedisScheduleStore;
  /** The one transport every store uses. */
  transport: RedisTransport;
}

/**
 * Opens one transport for `url` and builds every store on it. `close()` stops the stores and
 * closes the transport, once.
 *
 * @example
 * ```ts ignore
 * import { connectRedis } from "./store_set.ts";
 * const stores = await connectRedis("https://my-db.upstash.io", { token: "..." });
 * await stores.close();
 * ```
 */
export async function connectRedis(
  url: string,
  options: RedisStoreSetOptions = {},
): Promise<RedisStoreSet> {
  const transport = await connectTransport(url, options);
  return redisStoreSet(transport, options);
}

/** Builds every store on an open transport; the set's `close()` closes the transport. */
export function redisStoreSet(
  transport: RedisTransport,
  options: RedisStoreSetOptions = {},
): RedisStoreSet {
  const kv = new RedisKv(transport, { namespace: options.namespace });
  const heartbeats = new KvHeartbeatStore(kv);
  const shared = { ...options, ownsTransport: false };
  const broker = new RedisStreamsBroker(transport, shared);
  const backend = new RedisResultBackend(transport, { ...shared, heartbeats });
  const events = new RedisEventBus(transport, {
    namespace: options.namespace,
    maxPollInterval: options.maxBusPoll,
    clock: options.clock,
  });
  let closing: Promise<void> | undefined;
  const close = async () => {
    try {
      await Promise.all([broker.close(), backend.close(), events.close()]);
    } finally {
      await transport.close();
    }
  };
  return {
    broker,
    deadLetters: broker,
    statuses: backend,
    groups: backend,
    heartbeats,
    kv,
    workflows: new RedisWorkflowStore(transport, {
      namespace: options.namespace,
      clock: options.clock,
    }),
    events,
    locks: new RedisLockStore(transport, { namespace: options.namespace }),
    rateLimiter: new RedisRateLimiter(transport, { namespace: options.namespace }),
    schedules: new RedisScheduleStore(transport, {
      namespace: options.namespace,
      clock: options.clock,
    }),
    transport,
    // Upstash bills every command: an idle worker over HTTP syncs once a minute (docs/edge_workers.md).
    workerDefaults: options.workerDefaults ??
      (transport.kind === "http"
        ? { heartbeatInterval: "60s", revokeSyncInterval: "60s", pauseSyncInterval: "60s" }
        : undefined),
    close: () => (closing ??= close()),
  };
}
