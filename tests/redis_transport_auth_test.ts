// A client that cannot authenticate, or that reached a port where no Redis listens, is told so
// once with a typed error; a worker in that state exits instead of saying "consuming".
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import type { AddressInfo } from "node:net";
import process from "node:process";
import { HttpTransport, RedisStreamsBroker } from "../adapters/redis/mod.ts";
import { TcpTransport } from "../adapters/redis/tcp/tcp_transport.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";
import { currentRuntime } from "./helpers/redis_worker_process.ts";

const skip = redisSkipReason();
const PASSWORD = "s3cret-pw";
let redis: RedisServer;

before(async () => {
  if (skip) return;
  redis = await startRedisServer();
  const admin = await TcpTransport.connect(redis.url);
  await admin.command(["CONFIG", "SET", "requirepass", PASSWORD]);
  await admin.close();
});
after(async () => await redis?.stop());

function urlWith(password: string): string {
  const u = new URL(redis.url);
  u.password = password;
  return u.toString();
}

function occurrences(text: string, part: string): number {
  return text.split(part).length - 1;
}

/** A TCP listener that is not Redis: it answers like an HTTP server, or says nothing. */
async function notRedis(reply: string | null): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((socket) => {
    socket.on("error", () => {});
    socket.on("data", () => {
      if (reply !== null) socket.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Runs `stem worker` against `brokerUrl` until it exits (killed after 60 s as a hang guard). */
function runWorker(brokerUrl: string): Promise<{ code: number | null; output: string }> {
  const deno = currentRuntime() === "deno";
  const cmd = deno ? "node_modules/.bin/deno" : "node_modules/.bin/bun";
  const cli = ["workers/cli.ts", "worker", "tests/fixtures/cli_tasks.ts", "--broker", brokerUrl];
  const child = spawn(cmd, deno ? ["run", "-A", "--no-check", ...cli] : cli, {
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(guard);
      resolve({ code, output });
    })
  );
}

describe("Redis credentials and wrong ports", { skip: skip ?? undefined }, () => {
  test("connecting without the password rejects with authentication-failed (NOAUTH)", async () => {
    await assert.rejects(TcpTransport.connect(redis.url), (e: Error & { code?: string }) => {
      assert.equal(e.code, "authentication-failed");
      assert.match(e.message, /NOAUTH/);
      assert.ok(e.message.includes(redis.url), e.message);
      return true;
    });
  });

  test("a wrong password rejects with authentication-failed, naming the redacted URL once", async () => {
    await assert.rejects(
      RedisStreamsBroker.connect(urlWith("wrong-pw")),
      (e: Error & { code?: string }) => {
        assert.equal(e.code, "authentication-failed");
        assert.equal(occurrences(e.message, "127.0.0.1"), 1, e.message);
        assert.ok(!e.message.includes("wrong-pw"), e.message);
        return true;
      },
    );
  });

  test("the right password in the URL connects", async () => {
    const transport = await TcpTransport.connect(urlWith(PASSWORD));
    assert.equal(await transport.command(["PING"]), "PONG");
    await transport.close();
  });

  test("a REST call with a wrong token rejects with authentication-failed", async () => {
    const bridge = await startBridge(urlWith(PASSWORD));
    try {
      const transport = HttpTransport.connect(bridge.url, { token: `${BRIDGE_TOKEN}-not` });
      await assert.rejects(transport.command(["PING"]), (e: Error & { code?: string }) => {
        assert.equal(e.code, "authentication-failed");
        return true;
      });
    } finally {
      await bridge.close();
    }
  });

  for (
    const [kind, reply] of [
      ["answers like an HTTP server", "HTTP/1.1 400 Bad Request\r\n\r\n"],
      ["accepts and says nothing", null],
    ] as const
  ) {
    test(`a port that ${kind} rejects with connection-failed: not Redis`, async () => {
      const port = await notRedis(reply);
      try {
        await assert.rejects(
          TcpTransport.connect(port.url, { commandTimeout: 500 }),
          (e: Error & { code?: string }) => {
            assert.equal(e.code, "connection-failed");
            assert.match(e.message, /is this the Redis port\?/);
            assert.equal(occurrences(e.message, port.url.slice("redis://".length)), 1, e.message);
            return true;
          },
        );
      } finally {
        await port.close();
      }
    });
  }

  test("a worker with a wrong password says so once and exits; it never says consuming", async () => {
    const { code, output } = await runWorker(urlWith("wrong-pw"));
    assert.notEqual(code, 0, output);
    assert.equal(occurrences(output, "refused the credentials"), 1, output);
    assert.ok(!output.includes("consuming"), output);
    assert.ok(!output.includes("wrong-pw"), output);
  });

  test("a worker pointed at a port that is not Redis says so once and exits", async () => {
    const port = await notRedis("HTTP/1.1 400 Bad Request\r\n\r\n");
    try {
      const { code, output } = await runWorker(port.url);
      assert.notEqual(code, 0, output);
      assert.equal(occurrences(output, "is this the Redis port?"), 1, output);
      assert.ok(!output.includes("consuming"), output);
    } finally {
      await port.close();
    }
  });
});
