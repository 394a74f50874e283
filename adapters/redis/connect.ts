/**
 * Picks the transport for a URL: `redis://`/`rediss://` → TCP (node-redis, registered by the
 * adapter's mod.ts so edge bundles that only use HTTP never import it), `https://`/`http://` →
 * Upstash REST.
 *
 * @module
 */
import { type Clock, systemClock } from "../../src/core/clock.ts";
import type { Logger } from "../../src/observability/logger.ts";
import type { RedisTransport } from "./transport.ts";
import type { TlsOptions } from "./tcp/client_options.ts";
import { HttpTransport } from "./http/http_transport.ts";

/** Connection settings shared by the broker and the backend. */
export interface RedisConnectOptions {
  /** Key prefix; tests use a random one. @default "stem" */
  namespace?: string;
  /** TLS settings for `rediss://` (CA, client certificate and key, verification). */
  tls?: TlsOptions;
  /** REST token for `https://` (Upstash); also read from the URL password or `?token=`. */
  token?: string;
  /** TCP connect timeout in ms. @default 5000 */
  connectTimeout?: number;
  /**
   * Bound of one command (TCP) or HTTP request, in ms: past it the call rejects with
   * `operation-timeout` instead of waiting for a server that is down. @default 5000
   */
  commandTimeout?: number;
  /** How long commands keep retrying while Redis answers `LOADING` after a restart, in ms. @default 30000 */
  loadingTimeout?: number;
  /** Called with connection and loop errors (messages are redacted). @default a throttled warning to the logger */
  onError?: (error: Error) => void;
}

/** Opens a TCP transport; registered by the adapter's main entry (mod.ts). */
export type TcpConnector = (url: string, options: RedisConnectOptions) => Promise<RedisTransport>;

let tcpConnector: TcpConnector | undefined;

/**
 * Makes `redis://`/`rediss://` URLs work. Only `adapters/redis/mod.ts` calls this, so code that
 * imports the broker or backend directly (edge bundles) never pulls in node-redis or `node:net`.
 */
export function registerTcpConnector(connector: TcpConnector): void {
  tcpConnector = connector;
}

/** Opens the transport for `url`. */
export async function connectTransport(
  url: string,
  options: RedisConnectOptions = {},
): Promise<RedisTransport> {
  const scheme = schemeOf(url);
  if (scheme === "redis" || scheme === "rediss") {
    if (!tcpConnector) {
      throw new TypeError(
        `${scheme}:// needs the TCP transport: import "@stem/stem/redis" (adapters/redis/mod.ts), ` +
          "which registers it. On edge hosts use an https:// (Upstash REST) URL instead.",
      );
    }
    return await tcpConnector(url, options);
  }
  if (scheme === "https" || scheme === "http") {
    return HttpTransport.connect(url, {
      token: options.token,
      commandTimeout: options.commandTimeout,
      loadingTimeout: options.loadingTimeout,
    });
  }
  throw new RangeError(
    `Unsupported Redis URL scheme "${scheme}:": use redis://, rediss:// or https:// (Upstash REST).`,
  );
}

function schemeOf(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  if (!match) throw new RangeError("Invalid Redis URL: expected redis://, rediss:// or https://.");
  return match[1].toLowerCase();
}

const lastPrinted = new Map<string, number>();

/**
 * A warning that reaches `logger` once per distinct message per 10 s at most, shared by every
 * caller: the broker and the backend each hold a connection, and one outage should not print
 * the same line twice.
 */
export function throttledWarn(
  logger: Logger,
  clock: Clock = systemClock,
): (error: Error) => void {
  return (error) => {
    const now = clock.now();
    const key = error.message;
    if (now - (lastPrinted.get(key) ?? -Infinity) < 10_000) return;
    if (lastPrinted.size > 100) lastPrinted.clear();
    lastPrinted.set(key, now);
    logger.warn(error.message, { adapter: "redis" });
  };
}
