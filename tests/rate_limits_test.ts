// Rate limits, group limits, limiter failure modes and queue concurrency on every adapter.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler } from "../mod.ts";
import { locksOf } from "../src/locks/locks_of.ts";
import { RateLimits } from "../src/rate_limit/rate_limits.ts";
import type { RateLimiter } from "../src/rate_limit/rate_limiter.ts";
import { eventually, flowFixtures } from "./helpers/flow_fixtures.ts";
import { gate } from "./helpers/app.ts";
import { record } from "./helpers/signals.ts";

const fixtures = await flowFixtures();

for (const fixture of fixtures) {
  describe(`rate limits on ${fixture.name}`, { skip: fixture.skip }, () => {
    test("rateLimit spaces runs evenly; a deferred task spends no retry and says rate-limited", async () => {
      const starts: number[] = [];
      const deferrals: Record<string, unknown>[] = [];
      const app = await fixture.app({
        autoStart: false,
        middleware: [{
          onOutcome: async (outcome, next) => {
            if (outcome.kind === "retried" && outcome.meta) deferrals.push(outcome.meta);
            await next();
          },
        }],
        tasks: [
          new FunctionTaskHandler({
            name: "send",
            options: { rateLimit: "10/s", maxRetries: 0 },
            entrypoint: () => void starts.push(Date.now()),
          }),
        ],
      });
      try {
        const ids = [];
        for (let i = 0; i < 5; i++) ids.push(await app.stem.enqueue("send"));
        await app.start();
        for (const id of ids) {
          assert.equal((await app.stem.waitForTask(id, { timeout: "10s" })).isSucceeded, true);
        }
        starts.sort((a, b) => a - b);
        assert.equal(starts.length, 5, "each ran once");
        assert.ok(
          starts[4] - starts[0] >= 4 * 100 * 0.8,
          `5 runs at 10/s span 400 ms (${starts[4] - starts[0]})`,
        );
        assert.ok(deferrals.length >= 4, "the later tasks were put off");
        assert.equal(deferrals[0].deferred, "rate-limited");
        assert.equal(typeof deferrals[0].retryAt, "number");
        assert.equal(deferrals[0].rateLimit, "10/s");
        const final = await app.stem.getTaskStatus(ids[4]);
        assert.equal(final?.attempt ?? 0, 0, "no retry was spent (maxRetries 0 and it succeeded)");
      } finally {
        await app.close();
      }
    });

    test("groupRateLimit limits each tenant on its own", async () => {
      const ran: string[] = [];
      const app = await fixture.app({
        tasks: [
          new FunctionTaskHandler({
            name: "sync",
            options: { groupRateLimit: "1/m" },
            entrypoint: (ctx) => void ran.push(ctx.headers.tenant ?? "-"),
          }),
        ],
      });
      try {
        const a1 = await app.stem.enqueue("sync", { headers: { tenant: "a" } });
        const b1 = await app.stem.enqueue("sync", { headers: { tenant: "b" } });
        await app.stem.waitForTask(a1, { timeout: "10s" });
        await app.stem.waitForTask(b1, { timeout: "10s" });
        const a2 = await app.stem.enqueue("sync", { headers: { tenant: "a" } });
        let status = await app.stem.getTaskStatus(a2);
        for (let i = 0; i < 400 && status?.state !== "retried"; i++) {
          await new Promise((r) => setTimeout(r, 25));
          status = await app.stem.getTaskStatus(a2);
        }
        assert.equal(status?.state, "retried");
        assert.equal(status?.meta?.groupRateLimited, true);
        assert.equal(status?.meta?.groupKey, "a");
        assert.ok((status?.meta?.retryAt as number) > Date.now() + 30_000, "a minute's slot");
        assert.deepEqual(ran.sort(), ["a", "b"]);
      } finally {
        await app.close();
      }
    });

    test("queueConcurrency: at most N run at once; a slot of a crashed worker frees by lease", async () => {
      let running = 0;
      let most = 0;
      const app = await fixture.app({
        autoStart: false,
        concurrency: 4,
        queueConcurrency: { default: 1 },
        tasks: [
          new FunctionTaskHandler({
            name: "report",
            entrypoint: async () => {
              most = Math.max(most, ++running);
              await new Promise((r) => setTimeout(r, 30));
              running--;
            },
          }),
        ],
      });
      try {
        // A slot held by a worker that died: the task waits for its lease to run out.
        assert.equal(await locksOf(app.stores).acquire("queue-slot:default:0", "dead", 300), true);
        const ids = [];
        for (let i = 0; i < 4; i++) ids.push(await app.stem.enqueue("report"));
        await app.start();
        for (const id of ids) {
          const result = await app.stem.waitForTask(id, { timeout: "15s" });
          assert.equal(result.isSucceeded, true, JSON.stringify(result.status));
        }
        assert.equal(most, 1, "never two at once");
        const slot = () => locksOf(app.stores).ownerOf("queue-slot:default:0");
        assert.equal(await eventually(slot, (o) => o === null), null, "released after the run");
      } finally {
        await app.close();
      }
    });
  });
}

describe("rate limiter failures", () => {
  const failing: RateLimiter = { acquire: () => Promise.reject(new Error("limiter down")) };
  const delivery = (name: string) => ({
    envelope: {
      v: 1 as const,
      id: "t1",
      name,
      args: {},
      headers: {},
      meta: {},
      queue: "q",
      priority: 0,
      attempt: 0,
      notBefore: null,
      expires: null,
      enqueuedAt: 0,
    },
    receipt: "r",
    queue: "q",
    leaseExpiresAt: null,
    deliveryCount: 1,
  });

  test("failOpen (the default) runs the task, warns and signals", async () => {
    const { SimpleTaskRegistry, createSignals } = await import("../mod.ts");
    const signals = createSignals();
    const seen = record(signals.rateLimiterDegraded);
    const registry = new SimpleTaskRegistry([
      new FunctionTaskHandler({ name: "x", options: { rateLimit: "1/s" }, entrypoint: () => 1 }),
    ]);
    const warnings: string[] = [];
    const logger = {
      debug() {},
      info() {},
      error() {},
      warn: (message: string) => void warnings.push(message),
    };
    const limits = new RateLimits({ limiter: failing, registry, signals, logger });
    const ran = gate<boolean>();
    await limits.onConsume(delivery("x"), () => Promise.resolve(ran.open(true)));
    assert.equal(await ran.promise, true);
    assert.equal(seen.items[0]?.mode, "failOpen");
    assert.equal(warnings.length, 1);
  });

  test("failClosed defers the task with rateLimiterUnavailable", async () => {
    const { SimpleTaskRegistry, DeferDelivery } = await import("../mod.ts");
    const registry = new SimpleTaskRegistry([
      new FunctionTaskHandler({
        name: "x",
        options: { rateLimit: "1/s", rateLimitFailureMode: "failClosed" },
        entrypoint: () => 1,
      }),
    ]);
    const limits = new RateLimits({ limiter: failing, registry });
    await assert.rejects(
      limits.onConsume(delivery("x"), () => Promise.reject(new Error("must not run"))),
      (error) => error instanceof DeferDelivery && error.reason === "rate-limiter-unavailable",
    );
  });

  test("a bad rate limit is a typed error when the app is built", async () => {
    const { StemApp } = await import("../mod.ts");
    await assert.rejects(
      StemApp.inMemory({
        tasks: [
          new FunctionTaskHandler({
            name: "x",
            options: { rateLimit: "ten/s" },
            entrypoint: () => 1,
          }),
        ],
      }),
      (error) => (error as { code?: string }).code === "invalid-rate-limit",
    );
  });
});
