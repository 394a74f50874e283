// The edge proof: a Cloudflare Worker in real workerd (miniflare), and the same producer under
// Deno with --allow-net only (or under Bun), enqueue signed tasks over the Upstash REST bridge;
// a Deno worker process verifies and runs them, and rejects what is signed with the wrong key.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Miniflare } from "miniflare";
import { bundleWorker } from "../examples/edge_cloudflare/build.mjs";
import { Stem } from "../mod.ts";
import { RedisResultBackend, RedisStreamsBroker } from "../adapters/redis/mod.ts";
import { generateKeys } from "../src/security/key_generation.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";
import type { RunningRedisHttpBridge } from "../workers/redis_http.ts";
import { runtime } from "./helpers/runtime.ts";
import { watch, type Watched } from "./fixtures/edge_processes.ts";

const API_TOKEN = "edge-api-token-1234";
const DENO = "node_modules/.bin/deno";
const BUN = "node_modules/.bin/bun";

let redis: RedisServer;
let bridge: RunningRedisHttpBridge;
let worker: Watched;
let mf: Miniflare;
let broker: RedisStreamsBroker;
let backend: RedisResultBackend;
let stem: Stem;
let producerEnv: Record<string, string>;

type Fetcher = (path: string, init: RequestInit) => Promise<Response>;

async function enqueue(fetcher: Fetcher, name: string): Promise<string> {
  const response = await fetcher("/v1/tasks/edge.greet", {
    method: "POST",
    headers: { authorization: `Bearer ${API_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ args: { name } }),
  });
  const body = await response.text();
  assert.equal(response.status, 202, body);
  return JSON.parse(body).id;
}

/** Fetches through a worker of the miniflare instance. */
async function viaWorkerd(name: string): Promise<Fetcher> {
  const w = await mf.getWorker(name) as unknown as {
    fetch(url: string, init: RequestInit): Promise<Response>;
  };
  return (path, init) => w.fetch(`http://edge.test${path}`, init);
}

async function assertRanAndStored(id: string, name: string): Promise<void> {
  const result = await stem.waitForTask<string>(id, { timeout: "60s" });
  assert.equal(result.state, "succeeded", JSON.stringify(result.status));
  assert.equal(result.value, `Hello ${name}, from a verified edge task`);
  await worker.line(new RegExp(`^ran ${id}$`));
}

async function assertRejected(id: string, reason: string): Promise<void> {
  await worker.line(new RegExp(`^rejected ${id} ${reason}$`));
  const dead = await broker.getDeadLetter("default", id);
  assert.equal(dead?.reason, reason);
  assert.ok(!worker.lines.includes(`ran ${id}`), "the handler never ran");
  // Every rejection writes a terminal status (issue 9, defect 7), so waitForTask resolves.
  assert.equal((await backend.get(id))?.state, "failed");
}

describe("Edge producers in real runtimes", { skip: redisSkipReason() ?? false }, () => {
  before(async () => {
    redis = await startRedisServer();
    bridge = await startBridge(redis.url);
    const keys = await generateKeys("ed25519", "edge-1");
    const url = new URL(bridge.url);
    url.password = BRIDGE_TOKEN;
    producerEnv = { ...keys.env, STEM_BROKER_URL: url.toString(), STEM_API_TOKEN: API_TOKEN };
    worker = watch(DENO, ["run", "-A", "--no-check", "tests/fixtures/edge_worker.ts"], {
      ...keys.workerEnv,
      STEM_BROKER_URL: redis.url,
    });
    const wrongKey = await generateKeys("ed25519", "edge-1");
    const unknownKey = await generateKeys("ed25519", "rogue");
    const script = await bundleWorker("examples/edge_cloudflare/worker.ts");
    const base = { modules: true, script, compatibilityDate: "2025-01-01" };
    mf = new Miniflare({
      workers: [
        { ...base, name: "producer", bindings: producerEnv },
        { ...base, name: "wrong-key", bindings: { ...producerEnv, ...wrongKey.env } },
        { ...base, name: "unknown-key", bindings: { ...producerEnv, ...unknownKey.env } },
      ],
    });
    broker = await RedisStreamsBroker.connect(redis.url);
    backend = await RedisResultBackend.connect(redis.url);
    stem = new Stem({ broker, backend });
    await worker.line(/^ready$/);
  });

  after(async () => {
    await worker?.stop();
    await mf?.dispose();
    await broker?.close();
    await backend?.close();
    await bridge?.close();
    await redis?.stop();
  });

  test("a Cloudflare Worker in workerd enqueues a signed task; a Deno worker verifies and runs it", async () => {
    const producer = await viaWorkerd("producer");
    const id = await enqueue(producer, "workerd");
    await assertRanAndStored(id, "workerd");
    const view = await producer(`/v1/tasks/${id}`, {
      headers: { authorization: `Bearer ${API_TOKEN}` },
    });
    assert.equal((await view.json()).result, "Hello workerd, from a verified edge task");
  });

  test("a Worker signing with the wrong key is dead-lettered as signature-invalid, not run", async () => {
    const id = await enqueue(await viaWorkerd("wrong-key"), "mallory");
    await assertRejected(id, "signature-invalid");
  });

  test("a Worker signing with a key the workers do not trust is dead-lettered as unknown-key", async () => {
    const id = await enqueue(await viaWorkerd("unknown-key"), "eve");
    await assertRejected(id, "unknown-key");
  });

  const own = runtime === "deno"
    ? "the same producer under Deno with --allow-net only"
    : "the same producer under Bun";
  test(own, async () => {
    const env = { ...producerEnv, PORT: "0" };
    const server = runtime === "deno"
      ? watch(DENO, ["run", "--allow-net", "examples/edge_deno/main.ts", JSON.stringify(env)])
      : watch(BUN, ["examples/edge_bun/server.ts"], env);
    try {
      const [, base] = await server.line(/^listening on (http:\/\/\S+)$/);
      const id = await enqueue((path, init) => fetch(`${base}${path}`, init), runtime);
      await assertRanAndStored(id, runtime);
    } finally {
      await server.stop();
    }
  });
});
