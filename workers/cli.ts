// The `stem` command line. Run with `deno task stem <command>` or `bun workers/cli.ts <command>`.
import process from "node:process";
import { runWorkerProcess } from "./worker_process.ts";

const USAGE = `Usage: stem <command> [options]

Commands:
  worker <tasks-module> [--broker URL] [--backend URL] [--queues a,b] [--concurrency N]
      Run a worker process for the handlers exported as \`tasks\` by <tasks-module>.
  redis-http [--port 8079] [--redis-url URL] [--token T]
      Serve the Upstash-compatible REST bridge in front of a Redis server.
  keys generate --algorithm hmac-sha256|ed25519|aes-gcm
      Print STEM_SIGNING_* environment lines with fresh keys.
  help
      Show this text.`;

/** Reads `--name value` flags. */
export function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

/** Dispatches a command; resolves with the exit code. */
export async function main(args: string[]): Promise<number> {
  const [command, ...rest] = args;
  switch (command) {
    case "worker": {
      if (!rest[0] || rest[0].startsWith("--")) {
        console.error("stem worker: give the module that exports your tasks.\n\n" + USAGE);
        return 2;
      }
      const concurrency = flag(rest, "concurrency");
      await runWorkerProcess({
        tasksModule: rest[0],
        brokerUrl: flag(rest, "broker"),
        backendUrl: flag(rest, "backend"),
        queues: flag(rest, "queues")?.split(","),
        concurrency: concurrency === undefined ? undefined : Number(concurrency),
      });
      return 0;
    }
    case "redis-http": {
      const { main: redisHttp } = await import("./redis_http.ts");
      await redisHttp(rest);
      return typeof process.exitCode === "number" ? process.exitCode : 0;
    }
    case "keys": {
      const { keysCommand } = await import("./commands/keys.ts");
      return await keysCommand(rest);
    }
    case undefined:
    case "help":
    case "--help":
      console.log(USAGE);
      return 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
