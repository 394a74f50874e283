// Beat inside workerd: a Cloudflare Worker (real workerd via miniflare) whose `scheduled()` runs
// Beat.runOnce over Redis HTTP; two overlapping invocations dispatch each due fire once, and a
// worker in this process (TCP) runs the tasks.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Miniflare } from "miniflare";
import { bundleWorker } from "../examples/edge_cloudflare/build.mjs";
import { fireTaskId, FunctionTaskHandler, StemApp } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";
import type { RunningRedisHttpBridge } from "../workers/redis_http.ts";

describe("Beat.runOnce inside workerd", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  let bridge: RunningRedisHttpBridge;
  let mf: Miniflare;
  let app: StemApp;

  before(async () => {
    redis = await startRedisServer();
    bridge = await startBridge(redis.url);
    const url = new URL(bridge.url);
    url.password = BRIDGE_TOKEN;
    const script = await bundleWorker("examples/edge_cloudflare_beat/worker.ts");
    mf = new Miniflare({
      modules: true,
      script,
      compatibilityDate: "2025-01-01",
      bindings: { STEM_BROKER_URL: url.toString() },
    });
    app = await StemApp.fromUrl(redis.url, {
      autoStart: false,
      tasks: [
        new FunctionTaskHandler({
          name: "edge.square",
          entrypoint: (_ctx, args) => Number(args.n) * Number(args.n),
        }),
      ],
    });
  });

  after(async () => {
    await mf?.dispose();
    await app?.close();
    await bridge?.close();
    await redis?.stop();
  });

  test("two overlapping scheduled() runs dispatch each due fire once; a worker runs them", async () => {
    const due = Date.now() - 1_000;
    const ns = [3, 4, 5];
    for (const n of ns) {
      await app.schedules.upsert({
        id: `square-${n}`,
        task: "edge.square",
        args: { n },
        spec: "every 1h",
      }, { nextRunAt: due });
    }
    const worker = await mf.getWorker() as unknown as {
      scheduled(options: { cron: string; scheduledTime: Date }): Promise<{ outcome: string }>;
    };
    const runs = await Promise.all(
      [0, 1].map(() => worker.scheduled({ cron: "* * * * *", scheduledTime: new Date() })),
    );
    assert.deepEqual(runs.map((r) => r.outcome), ["ok", "ok"]);
    const counts = await app.broker.counts("default");
    assert.equal(counts.pending + counts.delayed, ns.length, "one message per fire");
    for (const n of ns) {
      const entry = await app.schedules.get(`square-${n}`);
      assert.equal(entry?.totalRunCount, 1);
      assert.equal(entry?.lastRunAt, due);
      assert.ok((entry?.nextRunAt ?? 0) > Date.now(), "moved on to the next hour");
    }
    await app.worker.drain();
    for (const n of ns) {
      const status = await app.stem.getTaskStatus(fireTaskId(`square-${n}`, due));
      assert.equal(status?.state, "succeeded");
      assert.equal(status?.result, n * n);
    }
  });
});
