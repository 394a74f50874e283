// Workers inside a request-driven host: a Cloudflare Worker in real workerd (miniflare) runs
// Stem tasks over Redis HTTP — drained on `POST /` (push delivery, bearer token) and by a Cron
// Trigger's `scheduled()` — while this process produces over TCP and reads the results.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Miniflare } from "miniflare";
import { bundleWorker } from "../examples/edge_cloudflare/build.mjs";
import { Stem } from "../mod.ts";
import { RedisResultBackend, RedisStreamsBroker } from "../adapters/redis/mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";
import type { RunningRedisHttpBridge } from "../workers/redis_http.ts";

const PUSH_TOKEN = "push-token-5678";

describe("Stem workers inside workerd", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  let bridge: RunningRedisHttpBridge;
  let mf: Miniflare;
  let broker: RedisStreamsBroker;
  let backend: RedisResultBackend;
  let stem: Stem;

  before(async () => {
    redis = await startRedisServer();
    bridge = await startBridge(redis.url);
    const url = new URL(bridge.url);
    url.password = BRIDGE_TOKEN;
    const script = await bundleWorker("examples/edge_cloudflare_worker/worker.ts");
    mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: "2025-01-01",
      bindings: { STEM_BROKER_URL: url.toString(), STEM_PUSH_TOKEN: PUSH_TOKEN },
    });
    broker = await RedisStreamsBroker.connect(redis.url);
    backend = await RedisResultBackend.connect(redis.url);
    stem = new Stem({ broker, backend });
  });

  after(async () => {
    await mf?.dispose();
    await broker?.close();
    await backend?.close();
    await bridge?.close();
    await redis?.stop();
  });

  async function enqueueSquares(...ns: number[]): Promise<string[]> {
    return await Promise.all(ns.map((n) => stem.enqueue("edge.square", { args: { n } })));
  }

  test("POST / with the token drains what is due and answers with the summary", async () => {
    const ids = await enqueueSquares(2, 3, 4);
    const denied = await mf.dispatchFetch("http://edge.test/", { method: "POST" });
    assert.equal(denied.status, 401);
    await denied.text();
    const response = await mf.dispatchFetch("http://edge.test/", {
      method: "POST",
      headers: { authorization: `Bearer ${PUSH_TOKEN}` },
    });
    const body = await response.text();
    assert.equal(response.status, 200, body);
    const summary = JSON.parse(body);
    assert.equal(summary.succeeded, 3, body);
    assert.equal(summary.handedBack, 0);
    assert.equal(summary.stoppedBy, "empty");
    for (const [i, id] of ids.entries()) {
      const status = await backend.get(id);
      assert.equal(status?.state, "succeeded");
      assert.equal(status?.result, [4, 9, 16][i]);
    }
    const counts = await broker.counts("default");
    assert.equal(counts.pending + counts.inflight, 0);
  });

  test("a Cron Trigger's scheduled() drains the queue", async () => {
    const ids = await enqueueSquares(5, 6);
    const worker = await mf.getWorker() as unknown as {
      scheduled(options: { cron: string; scheduledTime: Date }): Promise<{ outcome: string }>;
    };
    const result = await worker.scheduled({ cron: "* * * * *", scheduledTime: new Date() });
    assert.equal(result.outcome, "ok");
    for (const [i, id] of ids.entries()) {
      const done = await stem.waitForTask<number>(id, { timeout: "30s" });
      assert.equal(done.value, [25, 36][i]);
    }
  });
});
