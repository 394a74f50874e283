// Starts a real redis-server on a free loopback port in a temp dir (appendonly on) for tests,
// benchmarks and fault tests; it can be restarted on the same port with its data.
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { freePort } from "./free_port.ts";

/** A running redis-server. */
export interface RedisServer {
  /** `redis://127.0.0.1:<port>`. */
  readonly url: string;
  /** The port. */
  readonly port: number;
  /** Data directory. */
  readonly dir: string;
  /** Stops gracefully (AOF flushed) and starts again on the same port and data. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops the server (SIGTERM). */
  stopProcess(): Promise<void>;
  /** Starts it again after {@link RedisServer.stopProcess}. */
  startProcess(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** True when the redis-server binary runs here. */
export function hasRedisServer(): boolean {
  const r = spawnSync("redis-server", ["--version"], { stdio: "ignore" });
  return r.status === 0;
}

/**
 * Why Redis tests cannot run, or null when they can. Throws in CI (`CI=true`) when the binary
 * is missing, so CI fails instead of skipping.
 */
export function redisSkipReason(): string | null {
  if (hasRedisServer()) return null;
  if (process.env.CI === "true") {
    throw new Error(
      "redis-server is not installed; CI must run the Redis tests (node tools/ensure.mjs --servers).",
    );
  }
  return "redis-server is not installed (apt-get install redis-server)";
}

export { freePort } from "./free_port.ts";

function launch(port: number, dir: string, extra: string[]): Promise<ChildProcess> {
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--appendonly",
    "yes",
    "--appendfsync",
    "always",
    "--save",
    "",
    "--daemonize",
    "no",
    "--protected-mode",
    "no",
    "--loglevel",
    "warning",
    "--logfile",
    "",
    ...extra,
  ];
  const child = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    const deadline = setTimeout(
      () => fail(new Error(`redis-server did not start: ${out}`)),
      10_000,
    );
    const probe = setInterval(() => {
      const r = spawnSync("redis-cli", ["-p", String(port), "ping"], { encoding: "utf8" });
      if (r.stdout?.trim() === "PONG") done();
    }, 20);
    function cleanup() {
      clearTimeout(deadline);
      clearInterval(probe);
    }
    function done() {
      cleanup();
      resolve(child);
    }
    function fail(error: Error) {
      cleanup();
      child.kill("SIGKILL");
      reject(error);
    }
    child.stdout?.on("data", (d) => (out += d));
    child.stderr?.on("data", (d) => (out += d));
    child.on("exit", (code) => fail(new Error(`redis-server exited with ${code}: ${out}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

/** Starts redis-server; `extraArgs` are added to its command line. */
export async function startRedisServer(extraArgs: string[] = []): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "stem-redis-"));
  let child: ChildProcess | null = await launch(port, dir, extraArgs);
  child.removeAllListeners("exit");
  const stopProcess = async () => {
    if (!child) return;
    const c = child;
    child = null;
    c.kill("SIGTERM");
    await exited(c);
  };
  const startProcess = async () => {
    if (child) return;
    child = await launch(port, dir, extraArgs);
    child.removeAllListeners("exit");
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    stopProcess,
    startProcess,
    async restart(options = {}) {
      await stopProcess();
      if (options.downMs) await new Promise((r) => setTimeout(r, options.downMs));
      await startProcess();
    },
    async stop() {
      await stopProcess();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
