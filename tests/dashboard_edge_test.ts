// The dashboard on an edge host: bundled for workerd (miniflare) with only the HTTP Redis
// transport, reading and acting on the stores a Deno/Bun app fills over TCP through the REST
// bridge in front of a real redis-server.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Miniflare } from "miniflare";
import { bundleWorker } from "../examples/edge_cloudflare/build.mjs";
import { FunctionTaskHandler, StemApp } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";
import type { RunningRedisHttpBridge } from "../workers/redis_http.ts";

const TOKEN = "edge-dashboard-token-123";
const NAMESPACE = `edgedash${Math.random().toString(36).slice(2, 7)}`;
const ORIGIN = "http://dash.edge";

describe("the dashboard in workerd over Redis REST", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  let bridge: RunningRedisHttpBridge;
  let mf: Miniflare;
  let app: StemApp;
  let failedId: string;
  let runs = 0;
  let fetcher: (path: string, init?: RequestInit) => Promise<Response>;

  before(async () => {
    redis = await startRedisServer();
    bridge = await startBridge(redis.url);
    app = await StemApp.fromUrl(redis.url, {
      connect: { namespace: NAMESPACE },
      queues: ["default"],
      tasks: [
        new FunctionTaskHandler({
          name: "edge.flaky",
          options: { maxRetries: 0 },
          entrypoint: () => {
            if (runs++ === 0) throw new Error("first run fails");
            return "second run works";
          },
        }),
      ],
    });
    await app.start();
    failedId = await app.stem.enqueue("edge.flaky");
    assert.equal((await app.stem.waitForTask(failedId, { timeout: "15s" })).state, "failed");
    const url = new URL(bridge.url);
    url.password = BRIDGE_TOKEN;
    mf = new Miniflare({
      modules: true,
      script: await bundleWorker("examples/edge_dashboard/worker.ts", { minify: false }),
      compatibilityDate: "2025-01-01",
      bindings: {
        STEM_BROKER_URL: url.toString(),
        STEM_DASHBOARD_TOKEN: TOKEN,
        STEM_NAMESPACE: NAMESPACE,
        STEM_DASHBOARD_QUEUES: "default",
      },
    });
    const worker = await mf.getWorker() as unknown as {
      fetch(url: string, init?: RequestInit): Promise<Response>;
    };
    fetcher = (path, init = {}) =>
      worker.fetch(`${ORIGIN}${path}`, {
        ...init,
        headers: { authorization: `Bearer ${TOKEN}`, ...(init.headers ?? {}) },
      });
  });
  after(async () => {
    await mf?.dispose();
    await app?.close();
    await bridge?.close();
    await redis?.stop();
  });

  test("the overview and the dead letters come from the stores; no token, no page", async () => {
    const overview = await fetcher("/");
    const html = await overview.text();
    assert.equal(overview.status, 200, html);
    assert.match(html, /data-card="dead">\s*<div class="n">1</);
    assert.match(html, /data-card="workers">\s*<div class="n">1 \/ 1</);
    const dead = await (await fetcher("/dead-letters?queue=default")).text();
    assert.ok(dead.includes(`data-dead="${failedId}"`));
    const w = await mf.getWorker() as unknown as { fetch(url: string): Promise<Response> };
    assert.equal((await w.fetch(`${ORIGIN}/`)).status, 401);
  });

  test("Replay in workerd puts the task back; the TCP worker runs it again", async () => {
    const page = await (await fetcher(`/tasks/${failedId}`)).text();
    const csrf = page.match(/name="_csrf" value="([^"]+)"/)![1];
    const response = await fetcher("/dead-letters/replay", {
      method: "POST",
      redirect: "manual",
      // Miniflare's entry refuses a foreign Origin itself; the token carries the check here.
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf, queue: "default", id: failedId }).toString(),
    });
    assert.equal(response.status, 303, `${response.status}: ${await response.clone().text()}`);
    assert.match(response.headers.get("location")!, /notice=Replayed/);
    const result = await app.stem.waitForTask(failedId, { timeout: "15s" });
    assert.equal(result.value, "second run works");
  });

  test("the live stream opens in workerd", async () => {
    const response = await fetcher("/events");
    assert.equal(response.headers.get("content-type"), "text/event-stream");
    const reader = response.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    assert.match(first, /event: ready/);
    await reader.cancel();
  });
});
