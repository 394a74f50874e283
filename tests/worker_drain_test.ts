// worker.drain(): processes what is due and returns with nothing leased — on memory (fake clock
// for deadlines), SQLite and a real redis-server.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FunctionTaskHandler,
  InMemoryBroker,
  InMemoryResultBackend,
  SimpleTaskRegistry,
  Stem,
  StemApp,
  type StemAppUrlOptions,
  Worker,
} from "../mod.ts";
import type { ConsumeOptions, Delivery } from "../src/broker/broker.ts";
import { redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";
import { gate } from "./helpers/app.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";
import { stemPushHandler } from "../src/http/mod.ts";

const dir = mkdtempSync(join(tmpdir(), "stem-drain-"));
const redisSkip = redisSkipReason();
const redis = redisSkip ? null : await startRedisServer();
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await redis?.stop();
});

let n = 0;
const stores: {
  name: string;
  skip: string | null;
  url: () => string;
  options: () => StemAppUrlOptions;
}[] = [
  { name: "memory", skip: null, url: () => "memory://", options: () => ({}) },
  {
    name: "sqlite",
    skip: null,
    url: () => `sqlite:${join(dir, `d-${++n}.db`)}`,
    options: () => ({}),
  },
  {
    name: "redis",
    skip: redisSkip,
    url: () => redis!.url,
    options: () => ({
      connect: { namespace: `dr${++n}${Math.random().toString(36).slice(2, 7)}` },
    }),
  },
];

const tasks = () => [
  new FunctionTaskHandler({ name: "d.add", entrypoint: (_ctx, args) => Number(args.a) + 1 }),
  new FunctionTaskHandler({
    name: "d.fail",
    entrypoint: () => {
      throw new TypeError("bad input");
    },
  }),
  new FunctionTaskHandler({
    name: "d.fanout",
    entrypoint: async (ctx) => await ctx.enqueue("d.add", { args: { a: 1 } }),
  }),
];

for (const store of stores) {
  describe(`worker.drain (${store.name})`, { skip: store.skip ?? false }, () => {
    test("runs everything due, children included, and reports each outcome", async () => {
      const app = await StemApp.fromUrl(store.url(), {
        ...store.options(),
        tasks: tasks(),
        autoStart: false,
      });
      try {
        const ids = await Promise.all(
          [1, 2, 3].map((a) => app.stem.enqueue("d.add", { args: { a } })),
        );
        const failed = await app.stem.enqueue("d.fail");
        const parent = await app.stem.enqueue("d.fanout");
        const later = await app.stem.enqueue("d.add", {
          args: { a: 9 },
          enqueueOptions: { countdown: "1h" },
        });
        const summary = await app.worker.drain();
        assert.equal(summary.stoppedBy, "empty");
        assert.equal(summary.claimed, 6, JSON.stringify(summary));
        assert.equal(summary.succeeded, 5);
        assert.equal(summary.failed, 1);
        assert.equal(summary.handedBack, 0);
        for (const [i, id] of ids.entries()) {
          assert.equal((await app.stem.getTaskStatus(id))?.result, i + 2);
        }
        assert.equal((await app.stem.getTaskStatus(failed))?.state, "failed");
        const child = (await app.stem.getTaskStatus(parent))?.result as string;
        assert.equal((await app.stem.getTaskStatus(child))?.state, "succeeded");
        assert.equal((await app.stem.getTaskStatus(later))?.state, "queued");
        const counts = await app.broker.counts("default");
        assert.equal(counts.inflight, 0);
        assert.equal(counts.delayed, 1);
        // A second drain finds nothing due.
        const again = await app.worker.drain();
        assert.equal(again.claimed, 0);
        assert.equal(again.stoppedBy, "empty");
      } finally {
        await app.close();
      }
    });

    test("maxTasks claims at most that many and leaves the rest queued", async () => {
      const app = await StemApp.fromUrl(store.url(), {
        ...store.options(),
        tasks: tasks(),
        autoStart: false,
      });
      try {
        const ids = [];
        for (let a = 0; a < 5; a++) ids.push(await app.stem.enqueue("d.add", { args: { a } }));
        const summary = await app.worker.drain({ maxTasks: 2 });
        assert.equal(summary.stoppedBy, "maxTasks");
        assert.equal(summary.claimed, 2);
        assert.equal(summary.succeeded, 2);
        const counts = await app.broker.counts("default");
        assert.equal(counts.inflight, 0, "nothing left leased");
        assert.equal(counts.pending, 3);
        const rest = await app.worker.drain();
        assert.equal(rest.claimed, 3);
        for (const id of ids) assert.equal((await app.stem.getTaskStatus(id))?.state, "succeeded");
      } finally {
        await app.close();
      }
    });
  });
}

describe("worker.drain deadline (memory, fake clock)", () => {
  test("a task still running at the deadline is handed back, queued, not leased", async () => {
    const clock = new FakeClock();
    const started = gate();
    const app = await StemApp.inMemory({
      clock,
      autoStart: false,
      tasks: [
        new FunctionTaskHandler({
          name: "d.slow",
          entrypoint: async () => {
            started.open();
            await new Promise(() => {}); // never ends: only the deadline stops the drain
          },
        }),
      ],
    });
    try {
      const id = await app.stem.enqueue("d.slow");
      const draining = app.worker.drain({ deadline: "10s" });
      await started.promise;
      await clock.tick(10_001);
      const summary = await draining;
      assert.equal(summary.stoppedBy, "deadline");
      assert.equal(summary.handedBack, 1);
      assert.equal((await app.stem.getTaskStatus(id))?.state, "queued");
      const counts = await app.broker.counts("default");
      assert.equal(counts.inflight, 0);
      assert.equal(counts.pending, 1);
    } finally {
      await app.close({ timeout: 0 });
    }
  });

  test("an aborted signal stops claiming; a started worker cannot drain", async () => {
    const app = await StemApp.inMemory({
      autoStart: false,
      tasks: [new FunctionTaskHandler({ name: "d.noop", entrypoint: () => null })],
    });
    try {
      await app.stem.enqueue("d.noop");
      const summary = await app.worker.drain({ signal: AbortSignal.abort() });
      assert.equal(summary.stoppedBy, "signal");
      assert.equal(summary.claimed, 0);
      await app.start();
      await assert.rejects(app.worker.drain(), /drain\(\) runs a worker that was never started/);
    } finally {
      await app.close();
    }
  });
});

describe("stemPushHandler", () => {
  test("a bearer-authenticated POST drains within the budget and answers with the summary", async () => {
    const app = await StemApp.sqlite(join(dir, `push-${++n}.db`), {
      tasks: tasks(),
      autoStart: false,
    });
    try {
      for (let a = 0; a < 4; a++) await app.stem.enqueue("d.add", { args: { a } });
      const handler = stemPushHandler(app, { auth: { bearer: "push-token-1234" }, maxTasks: 3 });
      const denied = await handler(new Request("http://edge/drain", { method: "POST" }));
      assert.equal(denied.status, 401);
      const wrongMethod = await handler(
        new Request("http://edge/drain", { headers: { authorization: "Bearer push-token-1234" } }),
      );
      assert.equal(wrongMethod.status, 405);
      const bad = await handler(
        new Request("http://edge/drain?maxTasks=0", {
          method: "POST",
          headers: { authorization: "Bearer push-token-1234" },
        }),
      );
      assert.equal(bad.status, 400);
      assert.match((await bad.json()).detail, /maxTasks must be a whole number/);

      const post = () =>
        handler(
          new Request("http://edge/drain?budget=5s", {
            method: "POST",
            headers: { authorization: "Bearer push-token-1234" },
          }),
        );
      const first = await post();
      assert.equal(first.status, 200);
      const summary = await first.json();
      assert.equal(summary.stoppedBy, "maxTasks");
      assert.equal(summary.succeeded, 3);
      const second = await (await post()).json();
      assert.equal(second.claimed, 1);
      assert.equal(second.stoppedBy, "empty");
    } finally {
      await app.close();
    }
  });

  test("a second request while a drain runs answers 409", async () => {
    const hold = gate();
    const started = gate();
    const app = await StemApp.inMemory({
      autoStart: false,
      tasks: [
        new FunctionTaskHandler({
          name: "d.held",
          entrypoint: async () => {
            started.open();
            await hold.promise;
          },
        }),
      ],
    });
    try {
      await app.stem.enqueue("d.held");
      const handler = stemPushHandler(app, { auth: false });
      const first = handler(new Request("http://edge/", { method: "POST" }));
      await started.promise;
      const second = await handler(new Request("http://edge/", { method: "POST" }));
      assert.equal(second.status, 409);
      hold.open();
      assert.equal((await (await first).json()).succeeded, 1);
    } finally {
      await app.close();
    }
  });
});

test("a first claim slower than `idle` does not end the drain as empty while tasks are due", async () => {
  const clock = new FakeClock();
  const claimable = gate();
  // A cold connection or a loaded host: nothing is delivered until the test opens the gate.
  class SlowBroker extends InMemoryBroker {
    override consume(options: ConsumeOptions): AsyncIterable<Delivery> {
      const inner = super.consume(options);
      return (async function* () {
        await claimable.promise;
        yield* inner;
      })();
    }
  }
  const broker = new SlowBroker({ clock });
  const backend = new InMemoryResultBackend({ clock });
  const registry = new SimpleTaskRegistry([
    new FunctionTaskHandler({ name: "slow.claim", entrypoint: () => 1 }),
  ]);
  const stem = new Stem({ broker, backend, registry, clock });
  for (let i = 0; i < 3; i++) await stem.enqueue("slow.claim");
  const worker = new Worker({ broker, backend, registry, clock });
  let summary: Awaited<ReturnType<typeof worker.drain>> | undefined;
  const drained = worker.drain().then((s) => (summary = s));
  for (let i = 0; i < 3; i++) {
    await clock.tick(250); // past `idle` (200 ms) with nothing claimed yet
    await new Promise((r) => setTimeout(r, 5));
  }
  assert.equal(summary, undefined, "still draining: the broker reports due tasks");
  claimable.open();
  for (let i = 0; i < 100 && summary === undefined; i++) {
    await clock.tick(250);
    await new Promise((r) => setTimeout(r, 5));
  }
  const result = await drained;
  assert.equal(result.stoppedBy, "empty");
  assert.equal(result.succeeded, 3);
  assert.equal((await broker.counts("default")).pending, 0);
  await broker.close();
});
