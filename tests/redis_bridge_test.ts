// The Upstash-compatible REST bridge, exercised with @upstash/redis as the client.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis/cloudflare";
import { scripts } from "../adapters/redis/_scripts.ts";
import { HttpTransport } from "../adapters/redis/http/http_transport.ts";
import { stripKeyLocking } from "../adapters/redis/http/bridge_codec.ts";
import { KEY_LOCKING_SHEBANG } from "../adapters/redis/transport.ts";
import { redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";

const skip = redisSkipReason();
const server = skip ? null : await startRedisServer();
const bridge = server ? await startBridge(server.url) : null;
after(async () => {
  await bridge?.close();
  await server?.stop();
});

const client = (token = BRIDGE_TOKEN) =>
  new Redis({
    url: bridge!.url,
    token,
    automaticDeserialization: false,
    enableTelemetry: false,
    retry: false,
  });

describe("Redis REST bridge", { skip: skip ?? undefined }, () => {
  test("runs single commands with base64-encoded replies", async () => {
    const redis = client();
    assert.equal(await redis.set("bridge:k", "héllo ✓ {json}"), "OK");
    assert.equal(await redis.get("bridge:k"), "héllo ✓ {json}");
    assert.equal(await redis.incr("bridge:n"), 1);
    assert.equal(await redis.get("bridge:missing"), null);
    await redis.rpush("bridge:list", "a", "b");
    assert.deepEqual(await redis.lrange("bridge:list", 0, -1), ["a", "b"]);
  });

  test("rejects a wrong token with 401", async () => {
    await assert.rejects(() => client("wrong").get("x"), /Unauthorized/);
  });

  test("answers command errors with the server's message", async () => {
    const redis = client();
    await redis.set("bridge:str", "x");
    await assert.rejects(() => redis.exec(["LPUSH", "bridge:str", "y"]), /WRONGTYPE/);
  });

  test("pipelines and transactions", async () => {
    const redis = client();
    const p = redis.pipeline();
    p.set("bridge:p1", "1");
    p.incr("bridge:p1");
    p.get("bridge:p1");
    assert.deepEqual(await p.exec(), ["OK", 2, "2"]);
    const m = redis.multi();
    m.set("bridge:m1", "a");
    m.append("bridge:m1", "b");
    m.get("bridge:m1");
    assert.deepEqual(await m.exec(), ["OK", 2, "ab"]);
  });

  test("refuses blocking commands that would stall the shared connection", async () => {
    await assert.rejects(() => client().exec(["BLPOP", "bridge:none", "0"]), /not supported/);
  });

  test("strips Upstash's key-locking shebang and maps its script id", async () => {
    const redis = client();
    const body = "return redis.call('SET', KEYS[1], ARGV[1])";
    assert.equal(await redis.eval(KEY_LOCKING_SHEBANG + body, ["bridge:s"], ["v"]), "OK");
    assert.equal(await redis.get("bridge:s"), "v");
    const t = HttpTransport.connect(bridge!.url, { token: BRIDGE_TOKEN });
    const reply = await t.script(scripts.counts, Array(scripts.counts.keys).fill("bridge:c"), [
      "g",
    ]);
    assert.deepEqual(reply, [0, 0, 0, 0]);
    const before = t.commandCount;
    await t.script(scripts.counts, Array(scripts.counts.keys).fill("bridge:c"), ["g"]);
    assert.equal(t.commandCount - before, 1, "the second call hits EVALSHA without fallback");
  });

  test("stripKeyLocking keeps other flags", () => {
    assert.equal(
      stripKeyLocking("#!lua flags=allow-key-locking,no-writes\nreturn 1"),
      "#!lua flags=no-writes\nreturn 1",
    );
    assert.equal(stripKeyLocking("#!lua flags=allow-key-locking\nreturn 1"), "return 1");
    assert.equal(stripKeyLocking("return 1"), "return 1");
  });
});
