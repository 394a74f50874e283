// `stem worker` as a real process against a real, password-protected redis-server (and the REST
// bridge in front of it): the startup line, the STEM_* variables and http:// broker URLs.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { StemApp } from "../mod.ts";
import { type RedisServer, redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { BRIDGE_TOKEN, startBridge } from "./helpers/redis_bridge.ts";
import { type CliProcess, runCli, startCli } from "./helpers/cli_process.ts";
import type { RunningRedisHttpBridge } from "../workers/redis_http.ts";

const PASSWORD = "pw-" + Math.random().toString(36).slice(2);
const TASKS = "tests/fixtures/cli_tasks.ts";

async function withWorker(
  args: string[],
  env: Record<string, string>,
  body: (worker: CliProcess, line: string) => Promise<void>,
): Promise<void> {
  const worker = startCli(["worker", TASKS, ...args], env);
  try {
    const line = await worker.line(/consuming/);
    await body(worker, line);
    worker.child.kill("SIGTERM");
    await worker.exited;
    assert.match(worker.output(), /worker stem-worker-\S+ stopped/);
  } finally {
    worker.kill();
  }
}

/** Polls `read` until it returns a value (the worker writes its first heartbeat at start). */
async function eventually<T>(read: () => Promise<T | null>, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = await read();
    if (value !== null) return value;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`${what} never appeared`);
}

describe("stem worker (real Redis)", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  let url: string;
  let bridge: RunningRedisHttpBridge;
  let producer: StemApp;

  before(async () => {
    redis = await startRedisServer();
    const set = spawnSync("redis-cli", [
      "-p",
      String(redis.port),
      "CONFIG",
      "SET",
      "requirepass",
      PASSWORD,
    ], { encoding: "utf8" });
    assert.equal(set.stdout.trim(), "OK", set.stderr);
    url = `redis://:${PASSWORD}@127.0.0.1:${redis.port}/0`;
    bridge = await startBridge(url);
    producer = await StemApp.fromUrl(url);
  });
  after(async () => {
    await producer?.close();
    await bridge?.close();
    await redis?.stop();
  });

  async function greet(queue?: string): Promise<void> {
    const id = await producer.stem.enqueue("cli.greet", {
      args: { name: "Ada" },
      options: queue ? { queue } : undefined,
    });
    const result = await producer.stem.waitForTask<string>(id, { timeout: "20s" });
    assert.equal(result.isSucceeded, true, JSON.stringify(result.status));
    assert.match(result.value!, /^hi Ada from pid-\d+$/);
  }

  test("the startup line names the broker with its password redacted, after the broker answered", async () => {
    await withWorker(["--broker", url, "--concurrency=3"], {}, async (worker, line) => {
      assert.match(
        line,
        new RegExp(
          `^\\[stem\\] worker stem-worker-\\S+ consuming default on redis://:\\*\\*\\*@127\\.0\\.0\\.1:${redis.port}/0 \\(concurrency 3, prefetch 6\\)$`,
        ),
      );
      assert.doesNotMatch(worker.output(), new RegExp(PASSWORD));
      // Nothing was printed before the line: no "lost its consumer" retries, no warnings.
      assert.equal(worker.output().trim().split("\n")[0], line);
      await greet();
    });
  });

  test("a wrong password says so once, in one line, exits 70 and never says consuming", () => {
    const wrong = `redis://:not-${PASSWORD}@127.0.0.1:${redis.port}/0`;
    const r = runCli(["worker", TASKS, "--broker", wrong]);
    assert.equal(r.status, 70, r.stdout + r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /consuming/);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], /^stem worker: .*WRONGPASS/);
    assert.doesNotMatch(r.stderr, new RegExp(PASSWORD));
  });

  test("STEM_DEFAULT_QUEUE and STEM_PREFETCH_MULTIPLIER reach the running worker", async () => {
    const env = {
      STEM_BROKER_URL: url,
      STEM_DEFAULT_QUEUE: "jobs",
      STEM_PREFETCH_MULTIPLIER: "4",
      STEM_WORKER_QUEUES: "",
    };
    await withWorker(["--concurrency", "2"], env, async (_worker, line) => {
      assert.match(line, / consuming jobs on .*\(concurrency 2, prefetch 8\)$/);
      const id = /worker (stem-worker-\S+)/.exec(line)![1];
      const heartbeat = await eventually(
        () => producer.backend.getWorkerHeartbeat(id),
        `heartbeat of ${id}`,
      );
      assert.deepEqual(heartbeat.queues, ["jobs"]);
      assert.equal(heartbeat.extras?.prefetch, 8);
      assert.equal(heartbeat.extras?.concurrency, 2);
      await greet("jobs");
    });
  });

  test("STEM_ROUTING (JSON) places the worker's queues and adds its broadcast inbox", async () => {
    const routing = {
      default_queue: "general",
      broadcasts: ["bus"],
      routes: [{ task: "cli.*", queue: "greetings" }],
    };
    const env = { STEM_BROKER_URL: url, STEM_ROUTING: JSON.stringify(routing) };
    await withWorker(["--concurrency", "1"], env, async (_worker, line) => {
      assert.match(line, / consuming general, greetings, stem\.bcast\.stem-worker-\S+ on /);
      await greet("greetings");
    });
  });

  test("a broadcast runs once in each of two worker processes", async () => {
    const routing = { broadcasts: ["bus"], routes: [{ task: "cli.greet", broadcast: "bus" }] };
    const env = { STEM_BROKER_URL: url, STEM_ROUTING: JSON.stringify(routing) };
    const workers = [startCli(["worker", TASKS], env), startCli(["worker", TASKS], env)];
    const sender = await StemApp.fromUrl(url, { routing });
    const copies: string[] = [];
    const stop = sender.signals.afterTaskPublish.connect(({ envelope }) => {
      copies.push(envelope.id);
    });
    try {
      // Each process subscribes before it prints its startup line.
      await Promise.all(workers.map((w) => w.line(/consuming/)));
      await sender.stem.enqueue("cli.greet", { args: { name: "all" } });
      assert.equal(copies.length, 2, "one copy per worker process");
      const pids = new Set<string>();
      for (const id of copies) {
        const result = await sender.stem.waitForTask<string>(id, { timeout: "20s" });
        assert.equal(result.isSucceeded, true, JSON.stringify(result.status));
        pids.add(/pid-(\d+)/.exec(result.value!)![1]);
      }
      assert.deepEqual([...pids].sort(), workers.map((w) => String(w.child.pid)).sort());
    } finally {
      stop();
      await sender.close();
      for (const w of workers) {
        w.child.kill("SIGTERM");
        await w.exited;
        w.kill();
      }
    }
  });

  test("--prefetch and --queue override the variables", async () => {
    const env = { STEM_BROKER_URL: url, STEM_PREFETCH_MULTIPLIER: "4", STEM_DEFAULT_QUEUE: "jobs" };
    await withWorker(
      ["--queue", "mail", "--queue=reports", "--prefetch", "5", "--concurrency", "2"],
      env,
      async (_worker, line) => {
        assert.match(line, / consuming mail, reports on .*\(concurrency 2, prefetch 5\)$/);
        const id = /worker (stem-worker-\S+)/.exec(line)![1];
        const heartbeat = await eventually(() => producer.backend.getWorkerHeartbeat(id), id);
        assert.equal(heartbeat.extras?.prefetch, 5);
        await greet("reports");
      },
    );
  });

  test("--broker http://... reaches the local REST bridge (stem redis-http)", async () => {
    const httpUrl = bridge.url.replace("http://", `http://:${BRIDGE_TOKEN}@`);
    await withWorker(["--broker", httpUrl], {}, async (worker, line) => {
      assert.match(
        line,
        new RegExp(` consuming default on http://:\\*\\*\\*@127\\.0\\.0\\.1:\\d+/ `),
      );
      assert.doesNotMatch(worker.output(), new RegExp(BRIDGE_TOKEN));
      await greet();
    });
  });

  test("stem redis-http serves the bridge as a process, token never printed", async () => {
    const server = startCli(["redis-http", "--port", "0", "--redis-url", url], {
      STEM_REDIS_HTTP_TOKEN: BRIDGE_TOKEN,
    });
    try {
      const line = await server.line(/redis-http/);
      const base = /(http:\/\/127\.0\.0\.1:\d+)/.exec(line)![1];
      assert.match(line, /-> redis:\/\/:\*\*\*@127\.0\.0\.1:/);
      const response = await fetch(base, {
        method: "POST",
        headers: { authorization: `Bearer ${BRIDGE_TOKEN}` },
        body: JSON.stringify(["PING"]),
      });
      assert.equal(response.status, 200);
      assert.match(JSON.stringify(await response.json()), /"result":"(PONG|UE9ORw==)"/);
      assert.doesNotMatch(server.output(), new RegExp(BRIDGE_TOKEN + "|" + PASSWORD));
      server.child.kill("SIGTERM");
      const code = await server.exited;
      assert.match(server.output(), /\[stem\] redis-http stopped/);
      // Deno's node:child_process reports a handled SIGTERM as "SIGTERM"; Bun reports the code.
      if ("Bun" in globalThis) assert.equal(code, 0);
    } finally {
      server.kill();
    }
  });
});
