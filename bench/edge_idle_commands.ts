// What an idle HTTP worker costs in Redis commands (Upstash bills every command it receives; a
// script is one). A StemApp worker on `http://` through the REST bridge, idle for a real window;
// Redis's MONITOR counts what arrives, minus the commands scripts run inside (`[n lua]`).
// Run: node_modules/.bin/deno run -A bench/edge_idle_commands.ts [seconds=60] [warmup=2]
// (warmup 60 skips the first idle minute, where the poll back-off ramps up). Prints one JSON object.
import { spawn } from "node:child_process";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { startRedisServer } from "../tests/helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "../tests/helpers/redis_bridge.ts";

const argv = (globalThis as { Deno?: { args: string[] } }).Deno?.args ??
  (globalThis as { process?: { argv: string[] } }).process?.argv.slice(2) ?? [];
const seconds = Number(argv[0] ?? 60);
const warmup = Number(argv[1] ?? 2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const redis = await startRedisServer();
const bridge = await startBridge(redis.url);
const port = new URL(redis.url).port;
const monitor = spawn("redis-cli", ["-p", port, "monitor"]);
let counting = false;
const byCommand: Record<string, number> = {};
let buffered = "";
monitor.stdout.on("data", (chunk: Uint8Array) => {
  buffered += new TextDecoder().decode(chunk);
  const lines = buffered.split("\n");
  buffered = lines.pop() ?? "";
  for (const line of lines) {
    const m = line.match(/^\d+\.\d+ \[\d+ ([^\]]+)\] "([^"]+)"/);
    if (!m || !counting || m[1] === "lua") continue;
    const name = m[2].toLowerCase();
    byCommand[name] = (byCommand[name] ?? 0) + 1;
  }
});
try {
  const url = new URL(bridge.url);
  url.password = BRIDGE_TOKEN;
  const app = await StemApp.fromUrl(url.toString(), {
    tasks: [new FunctionTaskHandler({ name: "idle.noop", entrypoint: () => null })],
  });
  await app.start();
  // Start-up (script loads, first claims, first syncs) is not idle cost.
  await sleep(warmup * 1_000);
  counting = true;
  await sleep(seconds * 1_000);
  counting = false;
  await app.close();
  const total = Object.values(byCommand).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({
    bench: "edge_idle_commands",
    runtime: "Deno" in globalThis ? "deno" : "bun",
    transport: "http (REST bridge)",
    warmupSeconds: warmup,
    windowSeconds: seconds,
    commands: total,
    perMinute: Math.round((total * 60 / seconds) * 10) / 10,
    byCommand,
  }));
} finally {
  monitor.kill();
  await bridge.close();
  await redis.stop();
}
