// Installs what a fresh machine lacks: npm deps (deno, bun), and with --servers the
// redis-server and PostgreSQL binaries the integration tests start and the Chromium the
// dashboard's browser tests drive. Idempotent and quiet.
import { execSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";

const run = (cmd) => execSync(cmd, { stdio: ["ignore", "inherit", "inherit"] });
const has = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
};

const bins = ["deno", "bun", "esbuild", "workerd"];
if (bins.some((bin) => !existsSync(`node_modules/.bin/${bin}`))) {
  console.log("[ensure] installing npm dependencies (deno, bun, libraries)…");
  run("npm install --no-audit --no-fund --loglevel=error");
}

function postgresBin() {
  const root = "/usr/lib/postgresql";
  if (!existsSync(root)) return null;
  for (const v of readdirSync(root).sort().reverse()) {
    if (existsSync(`${root}/${v}/bin/initdb`)) return `${root}/${v}/bin`;
  }
  return null;
}

if (process.argv.includes("--servers")) {
  const missing = [];
  if (!has("redis-server")) missing.push("redis-server");
  if (!postgresBin()) missing.push("postgresql");
  // The dashboard's browser tests drive Debian's Chromium through playwright-core.
  if (!existsSync("/usr/bin/chromium")) missing.push("chromium");
  if (missing.length > 0) {
    const root = process.getuid?.() === 0;
    const sudo = root ? "" : "sudo ";
    console.log(`[ensure] installing ${missing.join(", ")} with apt-get…`);
    run(`${sudo}apt-get update -qq`);
    run(
      `DEBIAN_FRONTEND=noninteractive ${sudo}apt-get install -y -qq ${
        missing.join(" ")
      } >/dev/null`,
    );
    // Debian starts the packaged services; the tests run their own on free ports.
    try {
      execSync(`${sudo}service redis-server stop; ${sudo}service postgresql stop`, {
        stdio: "ignore",
      });
    } catch { /* not running */ }
  }
}
