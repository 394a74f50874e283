/**
 * Redis over HTTP for edge hosts (Cloudflare Workers, Deno Deploy, Vercel edge): the Upstash
 * REST transport and the broker and backend built over a transport. Nothing here reaches
 * node-redis or a Node built-in, so a bundler targeting workerd or the browser keeps the bundle
 * small; `redis://` URLs need the full `@stem/stem/redis` entry.
 *
 * @example
 * ```ts ignore
 * import { HttpTransport, RedisResultBackend, RedisStreamsBroker } from "@stem/stem/redis/http";
 * const transport = HttpTransport.connect("https://:TOKEN@eu1-example.upstash.io");
 * const broker = new RedisStreamsBroker(transport);
 * const backend = new RedisResultBackend(transport);
 * ```
 *
 * @module
 */
export { HttpTransport } from "./http_transport.ts";
export type { HttpTransportOptions } from "./http_transport.ts";
export { RedisStreamsBroker } from "../broker/redis_streams_broker.ts";
export type { RedisBrokerOptions } from "../broker/redis_streams_broker.ts";
export { RedisResultBackend } from "../backend/redis_result_backend.ts";
export type { RedisBackendOptions } from "../backend/redis_result_backend.ts";
export { RedisAuthError, RedisConnectionError, RedisTimeoutError } from "../errors.ts";
export { RedisCommandError } from "../transport.ts";
export type { RedisReply, RedisTransport } from "../transport.ts";
export { redisStoreSet } from "../store_set.ts";
export type { RedisStoreSet, RedisStoreSetOptions } from "../store_set.ts";
