import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { PayloadSigner, type Stem, StemApp, StemConfig } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { runtime } from "./helpers/runtime.ts";
import { startCli } from "./helpers/cli_process.ts";

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
    const worker = startCli(
      ["worker", "tests/fixtures/cli_tasks.ts", "--broker", redis.url],
      signingEnv,
    );
    try {
      await worker.line(/consuming/);
      await exercise(redis.url, worker.child, worker.exited, () => worker.output());
    } finally {
      worker.kill();
    }
  });
});

async function exercise(
  redisUrl: string,
  child: ChildProcess,
  exited: Promise<number | string>,
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
