// Producer calls over Redis are bounded: with the server down they reject with a typed error
// naming the redacted URL (TCP and HTTP), and a restart's LOADING phase is waited out.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Stem } from "../mod.ts";
import {
  connectRedis,
  HttpTransport,
  RedisResultBackend,
  RedisStreamsBroker,
} from "../adapters/redis/mod.ts";
import { TcpTransport } from "../adapters/redis/tcp/tcp_transport.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";

const skip = redisSkipReason();
const servers: RedisServer[] = [];
after(async () => {
  for (const s of servers) await s.stop();
});

/** Hang guard only: the bound under test is far shorter. */
function guard<T>(promise: Promise<T>, ms = 30_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`hung for ${ms} ms`)), ms);
  });
  return Promise.race([promise, hang]).finally(() => clearTimeout(timer));
}

/**
 * Stops the server and waits until its port is closed: under `deno test` the helper's
 * stopProcess() can resolve while redis-server is still shutting down.
 */
async function down(server: RedisServer): Promise<void> {
  await server.stopProcess();
  for (;;) {
    const ping = spawnSync("redis-cli", ["-p", String(server.port), "ping"], { encoding: "utf8" });
    if (ping.status !== 0 || !/PONG|NOAUTH|LOADING/.test(ping.stdout ?? "")) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

function withPassword(url: string): string {
  const u = new URL(url);
  u.password = "hunter2";
  return u.toString();
}

async function started(extra: string[] = []): Promise<RedisServer> {
  const server = await startRedisServer(extra);
  servers.push(server);
  return server;
}

function assertBounded(error: unknown, url: string): true {
  const e = error as Error & { code?: string };
  assert.ok(
    e.code === "operation-timeout" || e.code === "connection-failed",
    `${e.code}: ${e.message}`,
  );
  assert.ok(e.message.includes(url), e.message);
  assert.ok(!e.message.includes("hunter2"), e.message);
  return true;
}

describe("Redis transports with the server down", { skip: skip ?? undefined }, () => {
  test("a TCP command sent while the server is stopped rejects with operation-timeout naming the URL", async () => {
    const server = await started();
    const admin = await TcpTransport.connect(server.url);
    await admin.command(["CONFIG", "SET", "requirepass", "hunter2"]);
    await admin.close();
    const transport = await TcpTransport.connect(withPassword(server.url), {
      commandTimeout: 300,
    });
    try {
      await down(server);
      const redacted = server.url.replace("//", "//:***@");
      // The first write may find the socket reset (connection-failed); later ones wait in
      // node-redis' offline queue while it reconnects, until the bound drops them.
      await assert.rejects(guard(transport.command(["SET", "k", "v"])), (e) => {
        return assertBounded(e, redacted);
      });
      await assert.rejects(guard(transport.command(["SET", "k", "v"])), (e) => {
        assert.equal((e as { code?: string }).code, "operation-timeout");
        return assertBounded(e, redacted);
      });
      // The timed-out SET was dropped from node-redis' offline queue, not sent on reconnect.
      await server.startProcess();
      const later = await TcpTransport.connect(server.url); // CONFIG SET did not persist
      assert.equal(await later.command(["GET", "k"]), null);
      await later.close();
    } finally {
      await transport.close();
    }
  });

  test("Stem.enqueue and getTaskStatus over TCP reject with a typed error while Redis is down", async () => {
    const server = await started();
    const options = { commandTimeout: 300, namespace: "down" };
    const broker = await RedisStreamsBroker.connect(server.url, options);
    const backend = await RedisResultBackend.connect(server.url, options);
    const stem = new Stem({ broker, backend });
    try {
      await down(server);
      await assert.rejects(guard(stem.enqueue("any.task", { args: {} })), (e) => {
        return assertBounded(e, server.url);
      });
      await assert.rejects(guard(stem.getTaskStatus("01J0000000000000000000000")), (e) => {
        return assertBounded(e, server.url);
      });
    } finally {
      await broker.close();
      await backend.close();
      await server.startProcess();
    }
  });

  test("Stem.enqueue on one shared connection (publish and queued in one script) rejects with a typed error while Redis is down", async () => {
    const server = await started();
    const stores = await connectRedis(server.url, { commandTimeout: 300, namespace: "down" });
    const stem = new Stem({ broker: stores.broker, backend: stores.statuses });
    try {
      await down(server);
      await assert.rejects(guard(stem.enqueue("any.task", { args: {} })), (e) => {
        return assertBounded(e, server.url);
      });
    } finally {
      await stores.close();
      await server.startProcess();
    }
  });

  test("an HTTP command to an endpoint that never answers rejects with operation-timeout", async () => {
    const silent: Server = createServer(() => {/* never answers */});
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const transport = HttpTransport.connect(url, { token: "t", commandTimeout: 300 });
      await assert.rejects(guard(transport.command(["SET", "k", "v"])), (e) => {
        assert.equal((e as { code?: string }).code, "operation-timeout");
        return assertBounded(e, url);
      });
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test("an HTTP command through the REST bridge rejects with a typed error while Redis is down", async () => {
    const server = await started();
    const bridge = await startBridge(server.url);
    try {
      // Longer than the bridge's own 5 s bound, so the bridge answers first (503).
      const transport = HttpTransport.connect(bridge.url, {
        token: BRIDGE_TOKEN,
        commandTimeout: 15_000,
      });
      assert.equal(await transport.command(["PING"]), "PONG");
      await down(server);
      await assert.rejects(guard(transport.command(["SET", "k", "v"])), (e) => {
        return assertBounded(e, bridge.url.replace(/\/$/, ""));
      });
    } finally {
      await bridge.close();
      await server.startProcess();
    }
  });
});

describe("Redis restarting (LOADING)", { skip: skip ?? undefined }, () => {
  // key-load-delay makes every key take 20 ms to load, so a restart stays in LOADING for seconds
  // and answers commands with LOADING meanwhile.
  const slowLoad = ["--key-load-delay", "20000", "--loading-process-events-interval-bytes", "1024"];

  async function restartIntoLoading(server: RedisServer): Promise<Promise<void>> {
    const setup = await TcpTransport.connect(server.url);
    await setup.pipeline(
      Array.from({ length: 200 }, (_, i) => ["SET", `k${i}`, "x".repeat(60)]),
    );
    await setup.command(["BGREWRITEAOF"]);
    while (
      (await setup.command(["INFO", "persistence"]) as string).includes("rewrite_in_progress:1")
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await setup.close();
    await down(server);
    const back = server.startProcess();
    // Wait until the restarted server is up and answering LOADING.
    for (;;) {
      const ping = spawnSync("redis-cli", ["-p", String(server.port), "ping"], {
        encoding: "utf8",
      });
      assert.notEqual(ping.stdout?.trim(), "PONG", "the server was expected to be loading");
      if (ping.stdout?.startsWith("LOADING")) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return back;
  }

  test("a TCP command during LOADING waits until the data is loaded instead of failing", async () => {
    const server = await started(slowLoad);
    const transport = await TcpTransport.connect(server.url, { commandTimeout: 2_000 });
    try {
      const back = await restartIntoLoading(server);
      assert.equal(await guard(transport.command(["GET", "k1"])), "x".repeat(60));
      await back;
    } finally {
      await transport.close();
    }
  });

  test("an HTTP command through the bridge during LOADING waits until the data is loaded", async () => {
    const server = await started(slowLoad);
    const bridge = await startBridge(server.url);
    const transport = HttpTransport.connect(bridge.url, { token: BRIDGE_TOKEN });
    try {
      const back = await restartIntoLoading(server);
      assert.equal(await guard(transport.command(["GET", "k2"])), "x".repeat(60));
      await back;
    } finally {
      await bridge.close();
    }
  });
});
