/**
 * Picks the transport for a URL: `redis://`/`rediss://` → TCP (node-redis, loaded on demand so
 * edge bundles that only use HTTP never import it), `https://`/`http://` → Upstash REST.
 *
 * @module
 */
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
  /** Called with connection and loop errors (messages are redacted). @default a throttled console.warn */
  onError?: (error: Error) => void;
}

/** Opens the transport for `url`. */
export async function connectTransport(
  url: string,
  options: RedisConnectOptions = {},
): Promise<RedisTransport> {
  const scheme = schemeOf(url);
  if (scheme === "redis" || scheme === "rediss") {
    const { TcpTransport } = await import("./tcp/tcp_transport.ts");
    return await TcpTransport.connect(url, {
      tls: options.tls,
      connectTimeout: options.connectTimeout,
      onError: options.onError,
    });
  }
  if (scheme === "https" || scheme === "http") {
    return HttpTransport.connect(url, { token: options.token });
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

/** A console.warn that prints one message per 10 s at most. */
export function throttledWarn(prefix: string): (error: Error) => void {
  let last = 0;
  return (error) => {
    const now = Date.now();
    if (now - last < 10_000) return;
    last = now;
    console.warn(`${prefix} ${error.message}`);
  };
}
