import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { PayloadSigner, type Stem, StemApp, StemConfig } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { runtime } from "./helpers/runtime.ts";

const SECRET = btoa("0123456789abcdef0123456789abcdef");
const signingEnv = {
  STEM_SIGNING_ALGORITHM: "hmac-sha256",
  STEM_SIGNING_KEYS: `k1:${SECRET}`,
  STEM_SIGNING_ACTIVE_KEY: "k1",
};

describe("stem worker (CLI process)", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  before(async () => (redis = await startRedisServer()));
  after(async () => await redis?.stop());

  test("runs signed tasks from a module and shuts down gracefully on SIGTERM", async () => {
    const args = runtime === "bun"
      ? ["workers/cli.ts", "worker", "tests/fixtures/cli_tasks.ts", "--broker", redis.url]
      : [
        "run",
        "-A",
        "--no-check",
        "workers/cli.ts",
        "worker",
        "tests/fixtures/cli_tasks.ts",
        "--broker",
        redis.url,
      ];
    const child = spawn(process.execPath, args, {
      env: { ...process.env, ...signingEnv },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const ready = new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("consuming")) resolve();
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
    });
    const exited = new Promise<number | null>((resolve) =>
      child.on("close", (code) => resolve(code))
    );
    try {
      await ready;
      await exercise(redis.url, child, exited, () => output);
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});

async function exercise(
  redisUrl: string,
  child: ChildProcess,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  const config = StemConfig.fromEnvironment({ ...signingEnv, STEM_BROKER_URL: redisUrl });
  const producer = await StemApp.fromUrl(redisUrl, {
    signer: PayloadSigner.maybe(config.signing),
  });
  const stem: Stem = producer.stem;
  const signedId = await stem.enqueue("cli.greet", { args: { name: "Ada" } });
  const result = await stem.waitForTask<string>(signedId, { timeout: "20s" });
  assert.equal(result.isSucceeded, true, JSON.stringify(result.status));
  assert.match(result.value!, /^hi Ada from pid-\d+$/);
  const unsigned = await StemApp.fromUrl(redisUrl);
  const forged = await unsigned.stem.enqueue("cli.greet", { args: { name: "Mallory" } });
  const rejected = await unsigned.stem.waitForTask(forged, { timeout: "1s" });
  assert.notEqual(rejected.state, "succeeded", "an unsigned task is not run");
  await unsigned.close();
  await producer.close();
  child.kill("SIGTERM");
  const code = await exited;
  assert.match(output(), /SIGTERM: finishing in-flight tasks/);
  assert.match(output(), /worker stem-worker-\w+ stopped/);
  // Deno's node:child_process reports a handled SIGTERM as (null, "SIGTERM"); Bun reports 0.
  if (runtime === "bun") assert.equal(code, 0, output());
}
