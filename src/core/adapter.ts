import type { GroupStore } from "../backend/group_store.ts";
import type { HeartbeatStore } from "../backend/heartbeat_store.ts";
import type { StatusStore } from "../backend/status_store.ts";
import type { Broker } from "../broker/broker.ts";
import type { DeadLetterStore } from "../broker/dead_letter_store.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";
import type { RevokeStore } from "../control/revoke_store.ts";
import type { ScheduleStore } from "../scheduler/schedule_store.ts";
import type { LockStore } from "../locks/lock_store.ts";
import type { RateLimiter } from "../rate_limit/rate_limiter.ts";
import type { Clock } from "./clock.ts";
import type { Duration } from "./duration.ts";
import type { Logger } from "../observability/logger.ts";
import type { EventBus } from "../workflow/event_bus.ts";
import type { WorkflowStore } from "../workflow/workflow_store.ts";

/** Options passed from `StemApp.fromUrl` to an adapter. */
export interface AdapterConnectOptions {
  /** Key prefix / schema namespace. @default "stem" */
  namespace?: string;
  /** Adapter-specific settings (TLS, tokens, pool sizes...). */
  [key: string]: unknown;
}

/**
 * Every store an adapter provides, on one connection (one Redis client, one postgres.js pool, one
 * SQLite handle). Capabilities are read from the store instances. Later features add optional
 * members (schedules, workflows, events, locks, revokes, rate limiter).
 */
export interface StoreSet {
  /** Task messages. */
  broker: Broker;
  /** The broker's dead letters (often the same object as `broker`). */
  deadLetters: DeadLetterStore;
  /** Task statuses and results. */
  statuses: StatusStore;
  /** Canvas groups and chord claims. */
  groups: GroupStore;
  /** Worker liveness records. */
  heartbeats: HeartbeatStore;
  /** The atomic key-value primitive generic stores are written over. */
  kv: AtomicKv;
  /** Task revocations. @default a `KvRevokeStore` over `kv`, made by `StemAppBase` */
  revokes?: RevokeStore;
  /** Beat's schedule entries. @default a `KvScheduleStore` over `kv`, made by `StemAppBase` */
  schedules?: ScheduleStore;
  /** Named leases; when absent, a `KvLockStore` over `kv` stands in (`locksOf(stores)`). */
  locks?: LockStore;
  /** Cluster-wide rate limits; when absent, a `KvRateLimiter` over `kv` stands in. */
  rateLimiter?: RateLimiter;
  /** Durable workflow runs, checkpoints and event watchers. */
  workflows?: WorkflowStore;
  /** Topic notifications (workflow events, later remote control). */
  events?: EventBus;
  /**
   * Worker defaults that suit this connection, where they differ from the general ones: a store
   * set billed per command (Redis over HTTP) asks for slower heartbeats and syncs. Explicit
   * worker options win.
   */
  workerDefaults?: WorkerSyncDefaults;
  /** Closes the shared connection and every store's timers; safe to call twice. */
  close(): Promise<void>;
}

/** Worker timings a store set may suggest (see {@link StoreSet.workerDefaults}). */
export interface WorkerSyncDefaults {
  /** Interval of worker heartbeats. */
  heartbeatInterval?: Duration;
  /** How often revocations are re-read. */
  revokeSyncInterval?: Duration;
  /** How often persisted queue pauses are re-read. */
  pauseSyncInterval?: Duration;
}

/** Options every adapter's `connect` takes; adapters extend it with typed options of their own. */
export interface StoreSetOptions {
  /** Key prefix / schema namespace. @default "stem" */
  namespace?: string;
  /** Time source for leases, TTLs and timers. @default systemClock */
  clock?: Clock;
  /** Where the adapter's diagnostics go. @default silentLogger */
  logger?: Logger;
}

/**
 * What an adapter module exports as `stemAdapter` so `StemApp.fromUrl` can build it by URL
 * scheme. `Options` is the adapter's typed connect options (`RedisConnectOptions`,
 * `MemoryConnectOptions`, ...).
 */
export interface StemAdapter<Options extends StoreSetOptions = StoreSetOptions> {
  /** URL schemes handled, without the colon: `["redis", "rediss"]`. */
  schemes: string[];
  /** Opens every store of the adapter on one connection; `close()` of the set closes it once. */
  connect(url: string, options?: Options): Promise<StoreSet>;
}

/** Removes the password from a connection string so it can appear in messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    for (const key of ["password", "token"]) {
      if (parsed.searchParams.has(key)) parsed.searchParams.set(key, "***");
    }
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
  }
}
