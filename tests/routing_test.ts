// RoutingConfig: validation (errors name the field), resolution order, aliases, priority ranges,
// the router function, JSON/STEM_ROUTING loading; applied on the producer's one path (enqueue,
// enqueueMany, canvas, Beat) and deriving the worker's queues.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, RoutingConfig, RoutingConfigError, StemApp } from "../mod.ts";
import { StemConfig } from "../src/config/stem_config.ts";
import type { ConfigError } from "../src/config/config_error.ts";
import { signature } from "../src/core/task_signature.ts";
import { FakeClock } from "../src/testing/fake_clock.ts";
import type { Envelope } from "../src/core/envelope.ts";
import { record } from "./helpers/signals.ts";
import { appStores } from "./helpers/app_stores.ts";

const spec = {
  defaultQueue: "general",
  queues: { emails: { priorityRange: [2, 6] as [number, number], aliases: ["mail"] } },
  aliases: { bulk: "emails-bulk" },
  routes: [
    { task: "emails.newsletter", queue: "bulk" },
    { task: "emails.*", queue: "mail" },
    { task: ["reports.daily", "reports.weekly"], queue: "reports", priority: 8 },
    { headers: { tenant: "acme" }, queue: "acme" },
  ],
};

const place = (routing: RoutingConfig, task: string, extra: Record<string, unknown> = {}) =>
  routing.resolve({
    task,
    headers: {},
    fallbackQueue: routing.defaultQueue,
    priority: 0,
    ...extra,
  });

describe("RoutingConfig", () => {
  test("first match wins: exact names before globs, header routes, aliases, the default", () => {
    const routing = new RoutingConfig(spec);
    assert.deepEqual(place(routing, "emails.newsletter"), { queue: "emails-bulk", priority: 0 });
    assert.deepEqual(place(routing, "emails.send.bulk"), { queue: "emails", priority: 2 });
    assert.deepEqual(place(routing, "reports.weekly"), { queue: "reports", priority: 8 });
    assert.deepEqual(place(routing, "other", { headers: { tenant: "acme" } }), {
      queue: "acme",
      priority: 0,
    });
    assert.deepEqual(place(routing, "other", { headers: { tenant: "zen" } }), {
      queue: "general",
      priority: 0,
    });
  });

  test("the call site wins over routes; aliases and priority ranges still apply", () => {
    const routing = new RoutingConfig(spec);
    const explicit = place(routing, "emails.send", { explicitQueue: "mail", explicitPriority: 9 });
    assert.deepEqual(explicit, { queue: "emails", priority: 6 }, "clamped into [2, 6]");
    const reports = place(routing, "reports.daily", { explicitPriority: 1 });
    assert.deepEqual(reports, { queue: "reports", priority: 1 }, "call priority beats the route's");
  });

  test("a router function is asked first and falls through when it returns nothing", () => {
    const routing = new RoutingConfig({
      ...spec,
      router: ({ task, headers }) => headers.region === "eu" ? { queue: `${task}.eu` } : undefined,
    });
    assert.equal(
      place(routing, "emails.send", { headers: { region: "eu" } }).queue,
      "emails.send.eu",
    );
    assert.equal(place(routing, "emails.send").queue, "emails");
    const bad = new RoutingConfig({ router: () => ({ queue: "no spaces" }) });
    assert.throws(() => place(bad, "t"), (e: RoutingConfigError) => e.field.startsWith("router"));
  });

  test("invalid configs throw a RoutingConfigError naming the field", () => {
    const cases: [unknown, string][] = [
      [{ defaultQueue: "bad queue" }, "defaultQueue"],
      [{ queues: { q: { priorityRange: [5, 2] } } }, "queues.q.priorityRange"],
      [{ queues: { q: { priorityRange: [0, 12] } } }, "queues.q.priorityRange.max"],
      [{ queues: { q: { prio: 1 } } }, "queues.q.prio"],
      [{ queues: { q: {} }, aliases: { q: "r" } }, "aliases.q"],
      [{ aliases: { a: "b", b: "c" } }, "aliases.a"],
      [{ routes: [{ task: "x" }] }, "routes[0]"],
      [{ routes: [{ task: "x", queue: "q", broadcast: "b" }] }, "routes[0]"],
      [{ routes: [{ task: "", queue: "q" }] }, "routes[0].task"],
      [{ routes: [{ queue: "q", priority: 1.5 }] }, "routes[0].priority"],
      [{ routes: [{ headers: { tenant: 1 }, queue: "q" }] }, "routes[0].headers.tenant"],
      [{ routes: [{ task: "x", broadcast: "nowhere" }] }, "routes[0].broadcast"],
      [{ broadcasts: ["b"], queues: { b: {} } }, "queues.b"],
      [{ defaultQueu: "x" }, "defaultQueu"],
    ];
    for (const [options, field] of cases) {
      assert.throws(
        () => new RoutingConfig(options as never),
        (e: unknown) =>
          e instanceof RoutingConfigError && e.code === "invalid-routing" && e.field === field,
        `expected an error for ${field}: ${JSON.stringify(options)}`,
      );
    }
  });

  test("fromJson takes snake_case keys; STEM_ROUTING holds JSON or a file path", async () => {
    const json = JSON.stringify({
      default_queue: "general",
      queues: { emails_high: { priority_range: { min: 3, max: 9 } } },
      routes: [{ task: "emails.*", queue: "emails_high" }],
    });
    const routing = RoutingConfig.fromJson(json);
    assert.deepEqual(place(routing, "emails.x"), { queue: "emails_high", priority: 3 });
    assert.throws(() => RoutingConfig.fromJson("{nope"), RoutingConfigError);
    const env = { STEM_BROKER_URL: "memory://", STEM_ROUTING: json };
    assert.equal((await StemConfig.fromEnvironment(env).routingConfig())?.defaultQueue, "general");
    const fromFile = StemConfig.fromEnvironment({ ...env, STEM_ROUTING: "/etc/stem/routing.json" });
    const read = (path: string) => Promise.resolve(path.endsWith("routing.json") ? json : "");
    assert.equal((await fromFile.routingConfig({ readTextFile: read }))?.defaultQueue, "general");
    const broken = StemConfig.fromEnvironment({ ...env, STEM_ROUTING: '{"routes":[{}]}' });
    await assert.rejects(
      broken.routingConfig(),
      (e: ConfigError) => e.variable === "STEM_ROUTING" && e.message.includes("routes[0]"),
    );
  });

  test("a worker consumes the default queue and every queue a route sends its tasks to", () => {
    const routing = new RoutingConfig(spec);
    assert.deepEqual(routing.workerQueues(["emails.send"]).sort(), ["acme", "emails", "general"]);
    assert.deepEqual(
      routing.workerQueues(["emails.newsletter", "reports.daily"], ["mail"]).sort(),
      ["acme", "emails", "emails-bulk", "general", "reports"],
    );
  });
});

describe("routing in a StemApp (memory)", () => {
  const ran: string[] = [];
  const task = (name: string) =>
    new FunctionTaskHandler({
      name,
      entrypoint: (ctx) => void ran.push(`${name}@${ctx.queue}`),
    });

  test("enqueue, enqueueMany, canvas and Beat publish where the routes say", async () => {
    const clock = new FakeClock();
    const app = await StemApp.inMemory({
      clock,
      autoStart: false,
      tasks: [task("emails.send"), task("emails.newsletter"), task("reports.daily"), task("misc")],
      routing: spec,
    });
    const published = record(app.signals.afterTaskPublish);
    const queueOf = (id: string) =>
      published.items.find((p) => p.envelope.id === id)?.envelope as Envelope;
    try {
      assert.deepEqual(app.worker.queues.sort(), [
        "acme",
        "emails",
        "emails-bulk",
        "general",
        "reports",
      ]);
      const a = await app.stem.enqueue("emails.send", {});
      assert.equal(queueOf(a).queue, "emails");
      assert.equal(queueOf(a).priority, 2, "clamped up into the emails range");
      const [b, c] = await app.stem.enqueueMany([
        { name: "reports.daily" },
        { name: "misc", headers: { tenant: "acme" } },
      ]);
      assert.deepEqual([queueOf(b).queue, queueOf(b).priority], ["reports", 8]);
      assert.equal(queueOf(c).queue, "acme");
      const group = await app.canvas.group([signature("emails.newsletter"), signature("misc")]);
      assert.deepEqual(group.taskIds.map((id) => queueOf(id).queue), ["emails-bulk", "general"]);
      await app.beat.upsert({ id: "daily", task: "reports.daily", spec: "every 1m" });
      await clock.tick(60_000);
      const [fire] = await app.beat.runOnce();
      assert.equal(queueOf(fire.taskId!).queue, "reports");
      await app.start();
      await app.stem.waitForTask(b, { timeout: "5s" });
      await app.stem.waitForTask(c, { timeout: "5s" });
      assert.ok(ran.includes("reports.daily@reports") && ran.includes("misc@acme"));
    } finally {
      published.stop();
      await app.close();
    }
  });
});

const stores = await appStores(["sqlite", "redis", "postgres"]);
for (const store of stores) {
  describe(`routing in a StemApp (${store.name})`, { skip: store.skip ?? false }, () => {
    test("routed tasks land on their queues and the derived worker runs them there", async () => {
      const seen: string[] = [];
      const handler = (name: string) =>
        new FunctionTaskHandler({
          name,
          entrypoint: (ctx) => void seen.push(`${name}@${ctx.queue}`),
        });
      const app = await StemApp.fromUrl(store.url(), {
        ...store.options(),
        tasks: [handler("emails.send"), handler("reports.daily"), handler("misc")],
        routing: spec,
      });
      try {
        const [a, b, c] = await app.stem.enqueueMany([
          { name: "emails.send" },
          { name: "reports.daily" },
          { name: "misc", headers: { tenant: "acme" } },
        ]);
        const group = await app.canvas.group([signature("misc")]);
        for (const id of [a, b, c, ...group.taskIds]) {
          assert.equal(
            (await app.stem.waitForTask(id, { timeout: "10s" })).status?.state,
            "succeeded",
          );
        }
        assert.deepEqual(seen.sort(), [
          "emails.send@emails",
          "misc@acme",
          "misc@general",
          "reports.daily@reports",
        ]);
      } finally {
        await app.close();
      }
    });
  });
}
