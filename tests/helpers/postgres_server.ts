// Starts a throwaway PostgreSQL (initdb + pg_ctl) on a free loopback port in a temp dir.
// As root it runs as the `postgres` user via runuser (PostgreSQL refuses to run as root).
// Auth: trust on loopback for everyone except the role `stem_pw`, which needs its password
// (so tests can prove a wrong password gives a clear error).
import { execFile, execFileSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free_port.ts";

/** A running test server. */
export interface PostgresServer {
  /** Trust-auth URL for the superuser `postgres`. */
  url: string;
  /** URL of the password-protected role `stem_pw` (password `stem-secret-pw`). */
  passwordUrl: string;
  /** The TCP port. */
  port: number;
  /** Data directory (for reading the log). */
  dir: string;
  /** Stops the server (fast shutdown) and starts it again on the same port. */
  restart(): Promise<void>;
  /** Stops the server only. */
  stopServer(): Promise<void>;
  /** Starts a stopped server. */
  startServer(): Promise<void>;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** The password of the `stem_pw` role. */
export const TEST_PASSWORD = "stem-secret-pw";

/** Directory of the PostgreSQL binaries, or null when none is installed. */
export function postgresBinDir(): string | null {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  for (const v of readdirSync(root).sort((a, b) => Number(b) - Number(a))) {
    if (existsSync(`${root}/${v}/bin/initdb`)) return `${root}/${v}/bin`;
  }
  return null;
}

/**
 * Why PostgreSQL tests cannot run here, or false when they can. In CI a missing server is a
 * failure, so this throws there instead of returning a reason.
 */
export function postgresSkipReason(): string | false {
  if (postgresBinDir()) return false;
  if (process.env.CI === "true") {
    throw new Error("PostgreSQL binaries are missing; run `node tools/ensure.mjs --servers`.");
  }
  return "PostgreSQL is not installed (apt-get install postgresql)";
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${cmd} ${args.join(" ")} failed: ${stderr || error.message}`));
      else resolve(stdout);
    });
  });
}

const isRoot = (): boolean => process.getuid?.() === 0;

function asPostgres(bin: string, args: string[]): Promise<string> {
  return isRoot() ? run("runuser", ["-u", "postgres", "--", bin, ...args]) : run(bin, args);
}

const HBA = `local all all trust
host all stem_pw 127.0.0.1/32 scram-sha-256
host all stem_pw ::1/128 scram-sha-256
host all all 127.0.0.1/32 trust
host all all ::1/128 trust
`;

/** Options for {@link startPostgres}. */
export interface StartPostgresOptions {
  /** Extra `-c name=value` settings. */
  settings?: Record<string, string>;
}

/** Starts a fresh server; call `stop()` in teardown. */
export async function startPostgres(options: StartPostgresOptions = {}): Promise<PostgresServer> {
  const bin = postgresBinDir();
  if (!bin) throw new Error("PostgreSQL binaries not found under /usr/lib/postgresql");
  const dir = mkdtempSync(join(tmpdir(), "stem-pg-"));
  const data = join(dir, "data");
  if (isRoot()) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(dir, uid, gid);
  }
  chmodSync(dir, 0o700);
  await asPostgres(`${bin}/initdb`, ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8"]);
  writeFileSync(join(data, "pg_hba.conf"), HBA);
  const port = await freePort();
  const settings: Record<string, string> = {
    listen_addresses: "127.0.0.1",
    unix_socket_directories: dir,
    fsync: "off",
    synchronous_commit: "off",
    full_page_writes: "off",
    max_connections: "300",
    password_encryption: "scram-sha-256",
    ...options.settings,
  };
  const serverArgs = [`-p ${port}`, ...Object.entries(settings).map(([k, v]) => `-c ${k}=${v}`)]
    .join(" ");
  const log = join(dir, "server.log");
  const startServer = () =>
    asPostgres(`${bin}/pg_ctl`, [
      "-D",
      data,
      "-o",
      serverArgs,
      "-l",
      log,
      "-w",
      "-t",
      "60",
      "start",
    ])
      .then(() => {});
  const stopServer = () =>
    asPostgres(`${bin}/pg_ctl`, ["-D", data, "-m", "fast", "-w", "stop"]).then(() => {});
  await startServer();
  const onExit = () => {
    try {
      const args = ["-D", data, "-m", "immediate", "stop"];
      if (isRoot()) execFileSync("runuser", ["-u", "postgres", "--", `${bin}/pg_ctl`, ...args]);
      else execFileSync(`${bin}/pg_ctl`, args);
    } catch { /* already stopped */ }
  };
  process.once("exit", onExit);
  const psql = (sqlText: string) =>
    asPostgres(`${bin}/psql`, ["-h", dir, "-p", String(port), "-U", "postgres", "-c", sqlText]);
  await psql(`CREATE ROLE stem_pw LOGIN SUPERUSER PASSWORD '${TEST_PASSWORD}'`);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    passwordUrl: `postgres://stem_pw:${TEST_PASSWORD}@127.0.0.1:${port}/postgres`,
    port,
    dir,
    restart: async () => {
      await stopServer();
      await startServer();
    },
    stopServer,
    startServer,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", onExit);
      await stopServer().catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
