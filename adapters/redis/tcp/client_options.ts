/** TLS settings for `rediss://` connections (PEM strings). */
export interface TlsOptions {
  /** CA certificate(s) to trust. */
  ca?: string | string[];
  /** Client certificate, for mutual TLS. */
  cert?: string;
  /** Client private key, for mutual TLS. */
  key?: string;
  /** Verify the server certificate. @default true */
  rejectUnauthorized?: boolean;
  /** Server name for SNI and certificate checks. @default the URL host, unless it is an IP address */
  servername?: string;
}

/** Settings turned into node-redis client options. */
export interface ClientSettings {
  /** TLS settings (only used for `rediss://`). */
  tls?: TlsOptions;
  /** Connect timeout in ms. */
  connectTimeout: number;
  /** node-redis reconnect strategy. */
  reconnectStrategy: (retries: number, cause: Error) => number | Error;
}

/** Builds node-redis `createClient` options for `url` (`redis://` or `rediss://`, `/db` path). */
export function toClientOptions(url: string, settings: ClientSettings): Record<string, unknown> {
  const parsed = new URL(url);
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new RangeError(
      `Unsupported Redis URL scheme "${parsed.protocol}": use redis:// or rediss://.`,
    );
  }
  const socket: Record<string, unknown> = {
    connectTimeout: settings.connectTimeout,
    reconnectStrategy: settings.reconnectStrategy,
  };
  if (parsed.protocol === "rediss:") {
    // SNI carries host names only (RFC 6066): Deno refuses an IP there and Node warns, while
    // the certificate check still matches the IP against the certificate's IP SANs.
    const host = parsed.hostname.replace(/^\[|\]$/g, "");
    const servername = isIpAddress(host) ? undefined : host;
    Object.assign(socket, { tls: true, ...(servername ? { servername } : {}), ...settings.tls });
  }
  return { url, socket, disableClientInfo: true };
}

/** True for an IPv4 or IPv6 literal (without brackets). */
export function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

/** Back-off after a lost connection: 50 ms doubling to 2 s, with jitter. */
export function reconnectStrategy(retries: number): number {
  const base = Math.min(2_000, 50 * 2 ** Math.min(retries, 6));
  return Math.round(base / 2 + Math.random() * base / 2);
}
