import { combineResultBackend } from "../backend/combine_result_backend.ts";
import type { ResultBackend } from "../backend/result_backend.ts";
import type { Broker } from "../broker/broker.ts";
import type { DeadLetterStore } from "../broker/dead_letter_store.ts";
import type { StemAdapter, StoreSet, StoreSetOptions } from "../core/adapter.ts";
import type { AtomicKv } from "../kv/atomic_kv.ts";

/** A broker and a result backend made by hand, for apps that do not connect by URL. */
export interface StemAppParts {
  /** Broker. */
  broker: Broker;
  /** Result backend. */
  backend: ResultBackend;
  /** Dead letters of the broker. @default the broker object, when it implements DeadLetterStore */
  deadLetters?: DeadLetterStore;
  /** The atomic key-value store. @default one that rejects every call (parts carry none) */
  kv?: AtomicKv;
}

/** Options of {@link connectStores}: the common ones plus the adapter's own. */
export type ConnectStoresOptions = StoreSetOptions & Record<string, unknown>;

/** Opens every store of `adapter` for `url`, on one connection. */
export async function connectStores(
  adapter: StemAdapter,
  url: string,
  options: ConnectStoresOptions = {},
): Promise<StoreSet> {
  return await adapter.connect(url, options);
}

/** A {@link StoreSet} over hand-made parts; `close()` closes the broker and the backend once. */
export function storesFromParts(parts: StemAppParts): StoreSet {
  const { broker, backend } = parts;
  return {
    broker,
    deadLetters: parts.deadLetters ?? (broker as unknown as DeadLetterStore),
    statuses: backend,
    groups: backend,
    heartbeats: backend,
    kv: parts.kv ?? missingKv,
    close: once(async () => {
      await broker.close();
      if ((backend as unknown) !== (broker as unknown)) await backend.close();
    }),
  };
}

/**
 * One set out of two: the broker side of `brokerSet` and the result side (statuses, groups,
 * heartbeats, kv) of `backendSet`, for apps whose backend URL differs from the broker URL.
 */
export function mergeStores(brokerSet: StoreSet, backendSet: StoreSet): StoreSet {
  if (brokerSet === backendSet) return brokerSet;
  return {
    broker: brokerSet.broker,
    deadLetters: brokerSet.deadLetters,
    statuses: backendSet.statuses,
    groups: backendSet.groups,
    heartbeats: backendSet.heartbeats,
    kv: backendSet.kv,
    locks: backendSet.locks,
    rateLimiter: backendSet.rateLimiter,
    // Remote control pairs the bus with the heartbeats (who should answer), so the result side's.
    events: backendSet.events ?? brokerSet.events,
    close: once(async () => {
      await Promise.all([brokerSet.close(), backendSet.close()]);
    }),
  };
}

/** The result side of a set as one {@link ResultBackend} (the object itself when it is one). */
export function resultBackendOf(stores: StoreSet): ResultBackend {
  const { statuses, groups, heartbeats } = stores;
  const same = (statuses as unknown) === groups && (groups as unknown) === heartbeats;
  if (same && typeof (statuses as Partial<ResultBackend>).close === "function") {
    return statuses as ResultBackend;
  }
  // The stores' close is the set's: closing the backend view closes the set, once.
  return combineResultBackend(statuses, groups, heartbeats, () => stores.close());
}

/** Runs `fn` once; later calls get the first call's promise. */
export function once(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => (done ??= fn());
}

const unavailable = (): Promise<never> =>
  Promise.reject(
    new TypeError(
      "This app was built from a broker and a backend without an AtomicKv; pass `kv` in the " +
        "parts, or connect by URL with an adapter that implements connect().",
    ),
  );

/** True when `kv` is the stand-in of a set assembled from parts that carry none. */
export function isMissingKv(kv: AtomicKv): boolean {
  return kv === missingKv;
}

/** Stands in for the kv of a set assembled from parts that carry none. */
const missingKv: AtomicKv = {
  capabilities: { serverTime: false },
  get: unavailable,
  set: unavailable,
  setIfAbsent: unavailable,
  compareAndSet: unavailable,
  compareAndDelete: unavailable,
  delete: unavailable,
  increment: unavailable,
  list: unavailable,
  now: unavailable,
};
