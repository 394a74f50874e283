// What an idle worker over Redis HTTP costs (Upstash bills every command), on a fake clock
// against the real REST bridge and redis-server, and wake(): a producer in another process cuts
// the idle back-off so a task starts without waiting it out.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { FakeClock } from "../src/testing/fake_clock.ts";
import { FunctionTaskHandler } from "../src/core/task_handler.ts";
import { StemAppBase } from "../src/bootstrap/stem_app_base.ts";
import { stemWakeHandler, wakeWorker } from "../src/http/mod.ts";
import { HttpTransport, redisStoreSet } from "../adapters/redis/http/mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";
import type { RunningRedisHttpBridge } from "../workers/redis_http.ts";

const WAKE_TOKEN = "wake-token-1234";

let redis: RedisServer;
let bridge: RunningRedisHttpBridge;

/** A worker app on a fake clock whose transport reports when no request is in flight. */
function idleApp(namespace: string) {
  const clock = new FakeClock(Date.now());
  let inflight = 0;
  let quiet: (() => void) | undefined;
  const counting: typeof fetch = async (input, init) => {
    inflight++;
    try {
      return await fetch(input, init);
    } finally {
      if (--inflight === 0) quiet?.();
    }
  };
  const transport = HttpTransport.connect(bridge.url, { token: BRIDGE_TOKEN, fetch: counting });
  const stores = redisStoreSet(transport, { namespace, clock });
  const tasks = [new FunctionTaskHandler({ name: "idle.echo", entrypoint: (_c, a) => a.n })];
  const app = new StemAppBase(stores, { tasks, clock, autoStart: false });
  // Every request the fake time started has answered and its follow-ups have run.
  const settle = async () => {
    do {
      if (inflight > 0) await new Promise<void>((r) => quiet = r);
      await clock.tick(0);
    } while (inflight > 0);
  };
  const advance = async (ms: number, step = 1_000) => {
    for (let t = 0; t < ms; t += step) {
      await clock.tick(Math.min(step, ms - t));
      await settle();
    }
  };
  return { app, clock, transport, settle, advance };
}

describe("An idle worker over Redis HTTP", { skip: redisSkipReason() ?? false }, () => {
  before(async () => {
    redis = await startRedisServer();
    bridge = await startBridge(redis.url);
  });
  after(async () => {
    await bridge?.close();
    await redis?.stop();
  });

  test("costs at most 10 commands a minute at its default settings", async () => {
    const { app, transport, settle, advance } = idleApp(`idle-${crypto.randomUUID()}`);
    try {
      await app.start();
      await settle();
      // The first idle minute includes the back-off ramp (quick polls after the last task).
      const started = transport.commandCount;
      await advance(60_000);
      const firstMinute = transport.commandCount - started;
      await advance(60_000);
      const secondMinute = transport.commandCount - started - firstMinute;
      assert.ok(secondMinute <= 10, `idle minute cost ${secondMinute} commands`);
      assert.ok(firstMinute <= 20, `first idle minute cost ${firstMinute} commands`);
    } finally {
      await app.close();
    }
  });

  test("wake() from another process starts a task without the idle back-off", async () => {
    const namespace = `wake-${crypto.randomUUID()}`;
    const { app, advance } = idleApp(namespace);
    const producer = new StemAppBase(
      redisStoreSet(HttpTransport.connect(bridge.url, { token: BRIDGE_TOKEN }), { namespace }),
      { autoStart: false },
    );
    try {
      await app.start();
      await advance(60_000); // fully backed off: the next claim is up to 30 s away
      const id = await producer.stem.enqueue("idle.echo", { args: { n: 7 } });
      await advance(1_000, 250);
      assert.equal((await producer.backend.get(id))?.state ?? "queued", "queued");
      const handler = stemWakeHandler(app, { auth: { bearer: WAKE_TOKEN } });
      const refused = await handler(new Request("http://worker/wake", { method: "POST" }));
      assert.equal(refused.status, 401);
      await wakeWorker("http://worker/wake", {
        token: WAKE_TOKEN,
        fetch: (input, init) => handler(new Request(input, init)),
      });
      await advance(1_000, 50);
      assert.equal((await producer.backend.get(id))?.state, "succeeded");
    } finally {
      await app.close();
      await producer.close();
    }
  });

  test("a task the worker's own app enqueues wakes it at no command cost", async () => {
    const { app, advance } = idleApp(`self-${crypto.randomUUID()}`);
    try {
      await app.start();
      await advance(60_000);
      const id = await app.stem.enqueue("idle.echo", { args: { n: 3 } });
      await advance(1_000, 50);
      assert.equal((await app.backend.get(id))?.state, "succeeded");
    } finally {
      await app.close();
    }
  });
});
