/**
 * Redis adapter: a Streams broker and a result backend over TCP (`redis://`, `rediss://`) or
 * Upstash REST (`https://`), plus the REST bridge for self-hosted Redis.
 *
 * @example
 * ```ts ignore
 * import { stemAdapter } from "@stem/stem/redis";
 * // One connection for the broker, dead letters, statuses, groups, heartbeats and kv.
 * const stores = await stemAdapter.connect!("redis://localhost:6379", { namespace: "app" });
 * await stores.close();
 * ```
 *
 * @module
 */
import type { StemAdapter, StoreSet } from "../../src/core/adapter.ts";
import { registerTcpConnector } from "./connect.ts";
import { connectRedis, type RedisStoreSetOptions } from "./store_set.ts";
import { TcpTransport } from "./tcp/tcp_transport.ts";

// This entry is for long-running processes: it enables redis:// and rediss:// URLs. Edge code
// imports the broker/backend modules directly and stays free of node-redis.
registerTcpConnector((url, options) => TcpTransport.connect(url, options));

export { RedisStreamsBroker } from "./broker/redis_streams_broker.ts";
export type { RedisBrokerOptions } from "./broker/redis_streams_broker.ts";
export { RedisResultBackend } from "./backend/redis_result_backend.ts";
export type { RedisBackendOptions } from "./backend/redis_result_backend.ts";
export { RedisKv } from "./backend/redis_kv.ts";
export { RedisLockStore } from "./locks/redis_lock_store.ts";
export { RedisRateLimiter } from "./rate_limit/redis_rate_limiter.ts";
export { connectRedis, redisStoreSet } from "./store_set.ts";
export type { RedisStoreSet, RedisStoreSetOptions } from "./store_set.ts";
export { registerTcpConnector } from "./connect.ts";
export type { RedisConnectOptions, TcpConnector } from "./connect.ts";
export type { TlsOptions } from "./tcp/client_options.ts";
export { HttpTransport } from "./http/http_transport.ts";
export type { HttpTransportOptions } from "./http/http_transport.ts";
export { createRedisHttpBridge } from "./http/bridge.ts";
export type { BridgeUpstream, RedisHttpBridgeOptions } from "./http/bridge.ts";
export { RedisAuthError, RedisConnectionError, RedisTimeoutError } from "./errors.ts";
export { KEY_LOCKING_SHEBANG, RedisCommandError } from "./transport.ts";
export type {
  MessageListener,
  RedisReply,
  RedisScript,
  RedisTransport,
  StreamWaiter,
} from "./transport.ts";

/**
 * What `StemApp.fromUrl` uses for `redis://`, `rediss://` and `https://`/`http://` (Upstash REST, or
 * `stem redis-http` on a local port) URLs.
 * Adapter options are passed through (namespace, tls, token, blockTime, claimInterval,
 * defaultVisibilityTimeout...).
 */
export const stemAdapter: StemAdapter<RedisStoreSetOptions> = {
  schemes: ["redis", "rediss", "https", "http"],
  connect(url: string, options: RedisStoreSetOptions = {}): Promise<StoreSet> {
    return connectRedis(url, options);
  },
};
