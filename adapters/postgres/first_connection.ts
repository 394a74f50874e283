import net from "node:net";
import postgres from "postgres";
import type { Clock } from "../../src/core/clock.ts";
import type { ReconnectBackoff } from "./connection.ts";

/** Thrown by the probe's socket factory when postgres.js asks for a second socket. */
const CLOSED_BEFORE_READY = "the server closed the connection before it was ready";

/** Client-side errors after which the server may still come up: worth another attempt. */
const TRANSIENT = new Set([
  "57P03", // cannot_connect_now: the server is starting up
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECT_TIMEOUT",
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ETIMEDOUT",
]);

/** True when a failed first connection is worth retrying (anything else fails at once). */
function transient(error: unknown): boolean {
  const e = error as { code?: string; message?: string } | null;
  return (typeof e?.code === "string" && TRANSIENT.has(e.code)) ||
    e?.message === CLOSED_BEFORE_READY;
}

/** What the probe needs of the pool's options. */
export interface ProbeOptions {
  /** postgres.js `ssl`, as the pool gets it. */
  ssl?: unknown;
  /** Seconds one attempt may take. */
  connectTimeout: number;
  /** Waits between attempts. */
  clock: Clock;
  /** Delays between attempts (grows while they fail). */
  backoff: ReconnectBackoff;
}

/**
 * Waits until the server completes one connection (`SELECT 1` on a one-connection client whose
 * socket factory allows a single socket), retrying with `backoff` while it refuses or closes.
 * postgres.js itself reconnects at once, without its back-off, while a pool's first connection
 * keeps closing before it is ready (~300 connects a second to a proxy with no server behind it);
 * this bounded loop runs first so the pool only connects to a server that answered.
 * Resolves on success; rejects with the last error when it is not transient or `stopped()`.
 */
export async function awaitFirstConnection(
  url: string,
  options: ProbeOptions,
  stopped: () => boolean,
): Promise<void> {
  for (let attempt = 0;; attempt++) {
    try {
      await probeOnce(url, options, attempt);
      return;
    } catch (error) {
      if (!transient(error) || stopped()) throw error;
    }
    const delayMs = options.backoff.next() * 1000;
    await new Promise((resolve) => options.clock.setTimeout(() => resolve(null), delayMs));
    if (stopped()) throw new Error(CLOSED_BEFORE_READY);
  }
}

async function probeOnce(url: string, options: ProbeOptions, attempt: number): Promise<void> {
  let sockets = 0;
  const probe = postgres(url, {
    max: 1,
    connect_timeout: options.connectTimeout,
    onnotice: () => {},
    fetch_types: false,
    ...(options.ssl === undefined ? {} : { ssl: options.ssl as postgres.Options<never>["ssl"] }),
    socket: (o: { host: string[]; port: number[]; path?: string | false }) => {
      if (++sockets > 1) throw new Error(CLOSED_BEFORE_READY);
      const socket = new net.Socket() as net.Socket & { host?: string };
      const i = attempt % o.host.length;
      // postgres.js reads `socket.host` for the TLS server name.
      socket.host = o.host[i];
      if (o.path) socket.connect(o.path);
      else socket.connect(o.port[i] ?? o.port[0], o.host[i]);
      return socket;
    },
  } as postgres.Options<never>);
  try {
    await probe.unsafe("SELECT 1");
  } finally {
    await probe.end({ timeout: 0 }).catch(() => {});
  }
}
