/**
 * Serves a fetch handler on Deno or Bun (the one runtime split of long-running HTTP commands).
 *
 * @module
 */

/** A fetch handler. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** A listening server. */
export interface RunningServer {
  /** The port it listens on (the chosen one when 0 was asked). */
  port: number;
  /** Stops listening. */
  stop(): Promise<void>;
}

/** Listens on `hostname:port` (0 picks a free port) with the current runtime's server. */
export function serveFetch(hostname: string, port: number, fetch: FetchHandler): RunningServer {
  const g = globalThis as unknown as {
    Deno?: {
      serve(
        o: { hostname: string; port: number; onListen?: () => void },
        h: FetchHandler,
      ): { addr: { port: number }; shutdown(): Promise<void> };
    };
    Bun?: {
      serve(
        o: { hostname: string; port: number; fetch: FetchHandler; idleTimeout?: number },
      ): { port: number; stop(force?: boolean): void };
    };
  };
  if (g.Deno) {
    const server = g.Deno.serve({ hostname, port, onListen: () => {} }, fetch);
    return { port: server.addr.port, stop: () => server.shutdown() };
  }
  if (g.Bun) {
    // Live streams stay open between events; Bun's default idle timeout is 10 s.
    const server = g.Bun.serve({ hostname, port, fetch, idleTimeout: 60 });
    return { port: server.port, stop: () => Promise.resolve(server.stop(true)) };
  }
  throw new Error("Serving HTTP needs Deno or Bun.");
}
