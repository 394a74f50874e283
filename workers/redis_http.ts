/**
 * `stem redis-http`: serves the Upstash-compatible REST bridge in front of a Redis server, so
 * producers on edge hosts (and the Redis adapter's HTTP transport) can reach a self-hosted Redis.
 *
 * @module
 */
import process from "node:process";
import { createRedisHttpBridge } from "../adapters/redis/http/bridge.ts";
import { TcpTransport } from "../adapters/redis/tcp/tcp_transport.ts";
import { redactUrl } from "../src/core/adapter.ts";

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

type FetchHandler = (request: Request) => Response | Promise<Response>;
type Server = { port: number; stop(): Promise<void> };

function serve(hostname: string, port: number, fetch: FetchHandler): Server {
  const g = globalThis as unknown as {
    Deno?: {
      serve(
        o: { hostname: string; port: number; onListen?: () => void },
        h: FetchHandler,
      ): { addr: { port: number }; shutdown(): Promise<void> };
    };
    Bun?: {
      serve(
        o: { hostname: string; port: number; fetch: FetchHandler },
      ): { port: number; stop(force?: boolean): void };
    };
  };
  if (g.Deno) {
    const server = g.Deno.serve({ hostname, port, onListen: () => {} }, fetch);
    return { port: server.addr.port, stop: () => server.shutdown() };
  }
  if (g.Bun) {
    const server = g.Bun.serve({ hostname, port, fetch });
    return { port: server.port, stop: () => Promise.resolve(server.stop(true)) };
  }
  throw new Error("stem redis-http runs on Deno or Bun.");
}

/** Starts the bridge; resolves once it listens. */
export async function runRedisHttpBridge(
  options: RedisHttpBridgeRunOptions,
): Promise<RunningRedisHttpBridge> {
  const transport = await TcpTransport.connect(options.redisUrl, {
    onError: (e) => console.warn(`[stem redis-http] ${e.message}`),
  });
  const app = createRedisHttpBridge(transport, { token: options.token });
  const hostname = options.hostname ?? "127.0.0.1";
  const server = serve(hostname, options.port, app.fetch);
  return {
    url: `http://${hostname.includes(":") ? `[${hostname}]` : hostname}:${server.port}`,
    async close() {
      await server.stop();
      await transport.close();
    },
  };
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  if (i >= 0) return args[i + 1];
  return args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/**
 * CLI entry: `stem redis-http [--port 8079] [--hostname 127.0.0.1] [--redis-url URL] [--token T]`;
 * the URL and token default to `STEM_REDIS_URL` / `STEM_BROKER_URL` and `STEM_REDIS_HTTP_TOKEN`.
 * Runs until SIGINT/SIGTERM.
 */
export async function main(args: string[] = process.argv.slice(2)): Promise<void> {
  const redisUrl = flag(args, "redis-url") ?? process.env.STEM_REDIS_URL ??
    process.env.STEM_BROKER_URL ?? "redis://127.0.0.1:6379";
  const token = flag(args, "token") ?? process.env.STEM_REDIS_HTTP_TOKEN;
  if (!token) {
    console.error(
      "stem redis-http: set --token or STEM_REDIS_HTTP_TOKEN (clients send it as a Bearer token).",
    );
    process.exitCode = 2;
    return;
  }
  const bridge = await runRedisHttpBridge({
    port: Number(flag(args, "port") ?? 8079),
    hostname: flag(args, "hostname"),
    redisUrl,
    token,
  });
  console.log(`stem redis-http: ${bridge.url} -> ${redactUrl(redisUrl)}`);
  await new Promise<void>((resolve) => {
    process.once("SIGINT", () => resolve());
    process.once("SIGTERM", () => resolve());
  });
  await bridge.close();
}

if ((import.meta as { main?: boolean }).main) await main();
