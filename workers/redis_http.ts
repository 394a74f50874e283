/**
 * The Upstash-compatible REST bridge in front of a Redis server, so producers on edge hosts (and
 * the Redis adapter's HTTP transport) can reach a self-hosted Redis. `stem redis-http`
 * (workers/cli/redis_http.ts) runs it as a process.
 *
 * @module
 */
import { createRedisHttpBridge } from "../adapters/redis/http/bridge.ts";
import { TcpTransport } from "../adapters/redis/tcp/tcp_transport.ts";
import { serveFetch } from "./runtime/serve.ts";

/** Options for {@link runRedisHttpBridge}. */
export interface RedisHttpBridgeRunOptions {
  /** Port to listen on; 0 picks a free one. */
  port: number;
  /** Redis to forward to (`redis://` or `rediss://`). */
  redisUrl: string;
  /** Bearer token clients must send. */
  token: string;
  /** Interface to bind. @default "127.0.0.1" */
  hostname?: string;
}

/** A running bridge. */
export interface RunningRedisHttpBridge {
  /** Base URL, e.g. `http://127.0.0.1:8079`. */
  url: string;
  /** Stops serving and closes the Redis connection. */
  close(): Promise<void>;
}

/** Starts the bridge; resolves once it listens. */
export async function runRedisHttpBridge(
  options: RedisHttpBridgeRunOptions,
): Promise<RunningRedisHttpBridge> {
  const transport = await TcpTransport.connect(options.redisUrl, {
    // Pass LOADING on to the HTTP clients, which wait it out within their own bounds.
    loadingTimeout: 0,
    onError: (e) => console.warn(`[stem redis-http] ${e.message}`),
  });
  const app = createRedisHttpBridge(transport, { token: options.token });
  const hostname = options.hostname ?? "127.0.0.1";
  const server = serveFetch(hostname, options.port, app.fetch);
  return {
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${server.port}`,
    async close() {
      await server.stop();
      await transport.close();
    },
  };
}
