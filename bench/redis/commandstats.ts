// Reads the server's command counters (INFO commandstats) for commands-per-job figures.
import { TcpTransport } from "../../adapters/redis/tcp/tcp_transport.ts";

/** A plain TCP client for bench bookkeeping. */
export function rawClient(url: string): Promise<TcpTransport> {
  return TcpTransport.connect(url);
}

/** Total calls of every command so far, minus the INFO calls this helper makes. */
export async function commandCalls(client: TcpTransport): Promise<number> {
  const info = String(await client.command(["INFO", "commandstats"]));
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] !== "info") total += Number(match[2]);
  }
  return total;
}

/** Server time spent in top-level calls (EVALSHA/EVAL and plain commands), in microseconds. */
export async function serverMicros(client: TcpTransport): Promise<number> {
  const info = String(await client.command(["INFO", "commandstats"]));
  let total = 0;
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=\d+,usec=(\d+)/gm)) {
    if (
      ["evalsha", "eval", "xadd", "zadd", "get", "mget", "xrevrange", "xrange", "xread"].includes(
        match[1],
      )
    ) {
      total += Number(match[2]);
    }
  }
  return total;
}

/** Redis process CPU so far (`INFO cpu`: used_cpu_user + used_cpu_sys), in microseconds. */
export async function serverCpuMicros(client: TcpTransport): Promise<number> {
  const info = String(await client.command(["INFO", "cpu"]));
  const user = Number(/^used_cpu_user:([\d.]+)/m.exec(info)?.[1] ?? 0);
  const sys = Number(/^used_cpu_sys:([\d.]+)/m.exec(info)?.[1] ?? 0);
  return (user + sys) * 1e6;
}
