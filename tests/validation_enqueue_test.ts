import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  FunctionTaskHandler,
  InMemoryBroker,
  InMemoryResultBackend,
  SimpleTaskRegistry,
  Stem,
} from "../mod.ts";
import type { Envelope } from "../src/core/envelope.ts";
import type { EnqueueRequest } from "../src/core/task_options.ts";
import { createSignals } from "../src/signals/stem_signals.ts";

const noop = (name: string) => new FunctionTaskHandler({ name, entrypoint: () => "ok" });

/** An in-memory broker that also keeps every envelope it was given, in order. */
function recordingBroker(): InMemoryBroker & { published: Envelope[] } {
  const broker = Object.assign(new InMemoryBroker(), { published: [] as Envelope[] });
  const publish = broker.publish.bind(broker);
  const publishMany = broker.publishMany.bind(broker);
  broker.publish = (e) => (broker.published.push(e), publish(e));
  broker.publishMany = (es) => (broker.published.push(...es), publishMany(es));
  return broker;
}

function producer(options: { strict?: boolean; tasks?: string[] } = {}) {
  const broker = recordingBroker();
  const backend = new InMemoryResultBackend();
  const registry = new SimpleTaskRegistry((options.tasks ?? []).map(noop));
  const stem = new Stem({ broker, backend, registry, strict: options.strict });
  return { stem, broker, backend };
}

type Field = { message: RegExp; path: string };

async function refused(stem: Stem, request: unknown, expected: Field) {
  await assert.rejects(
    () => stem.enqueue("t", request as EnqueueRequest),
    (error: Error & { code?: string; issues?: { path: PropertyKey[] }[] }) => {
      assert.equal(error.name, "ValidationError", error.message);
      assert.equal(error.code, "validation-failed");
      assert.match(error.message, expected.message);
      assert.ok(
        error.issues?.some((i) => i.path.map(String).join(".") === expected.path),
        `issues ${JSON.stringify(error.issues)} name ${expected.path}`,
      );
      return true;
    },
  );
}

describe("Stem.enqueue validates every field before publishing", () => {
  const cases: [string, unknown, Field][] = [
    ["link a string", { enqueueOptions: { link: "abc" } }, {
      message: /enqueueOptions\.link: must be an array/,
      path: "enqueueOptions.link",
    }],
    ["link [null]", { enqueueOptions: { link: [null] } }, {
      message: /link\.0: must be an object, got null/,
      path: "enqueueOptions.link.0",
    }],
    ["link [{ name: 5 }]", { enqueueOptions: { link: [{ name: 5 }] } }, {
      message: /link\.0\.name: must be a non-empty string, got number 5/,
      path: "enqueueOptions.link.0.name",
    }],
    ["link a number", { enqueueOptions: { link: 7 } }, {
      message: /must be an array/,
      path: "enqueueOptions.link",
    }],
    ["linkError an object", { enqueueOptions: { linkError: { name: "x" } } }, {
      message: /linkError: must be an array/,
      path: "enqueueOptions.linkError",
    }],
    ["taskId empty", { enqueueOptions: { taskId: "" } }, {
      message: /taskId: must be a non-empty string/,
      path: "enqueueOptions.taskId",
    }],
    ["taskId a number", { enqueueOptions: { taskId: 42 } }, {
      message: /taskId: must be a non-empty string, got number 42/,
      path: "enqueueOptions.taskId",
    }],
    ["queue a number", { enqueueOptions: { queue: 5 } }, {
      message: /queue: must be a valid queue name/,
      path: "enqueueOptions.queue",
    }],
    ["queue with a brace", { options: { queue: "a{b}" } }, {
      message: /contains "\{"/,
      path: "options.queue",
    }],
    ['maxRetries "x"', { options: { maxRetries: "x" } }, {
      message: /maxRetries: must be an integer 0 or more/,
      path: "options.maxRetries",
    }],
    ["maxRetries -1", { options: { maxRetries: -1 } }, {
      message: /got number -1/,
      path: "options.maxRetries",
    }],
    ["priority 1.5", { enqueueOptions: { priority: 1.5 } }, {
      message: /priority: must be an integer from 0 to 9/,
      path: "enqueueOptions.priority",
    }],
    ["retryPolicy a string", { enqueueOptions: { retryPolicy: "x" } }, {
      message: /retryPolicy: must be an object/,
      path: "enqueueOptions.retryPolicy",
    }],
    ["retryPolicy with a typo'd delay", { options: { retryPolicy: { defaultDelay: "2 sec" } } }, {
      message: /defaultDelay: must be a duration/,
      path: "options.retryPolicy.defaultDelay",
    }],
    ['eta "tomorrow"', { enqueueOptions: { eta: "tomorrow" } }, {
      message: /eta: must be a time/,
      path: "enqueueOptions.eta",
    }],
    ["countdown NaN", { enqueueOptions: { countdown: NaN } }, {
      message: /countdown: must be a duration/,
      path: "enqueueOptions.countdown",
    }],
    ["expires a Date", { enqueueOptions: { expires: new Date() } }, {
      message: /use expiresAt for a Date/,
      path: "enqueueOptions.expires",
    }],
    ["headers with a number", { headers: { tenant: 1 } }, {
      message: /headers\.tenant: must be a string/,
      path: "headers.tenant",
    }],
    ["meta an array", { meta: [1] }, { message: /meta: must be an object/, path: "meta" }],
  ];
  for (const [label, request, expected] of cases) {
    test(`${label} is a ValidationError naming the field, and nothing is published`, async () => {
      const { stem, broker, backend } = producer();
      await refused(stem, request, expected);
      assert.equal(broker.published.length, 0);
      assert.equal((await backend.listTaskStatuses()).length, 0);
    });
  }

  test("retry policies accept durations like every other option and are stored in ms", async () => {
    const { stem, broker } = producer();
    await stem.enqueue("t", {
      options: { retryPolicy: { backoff: true, defaultDelay: "2s", backoffMax: "1m" } },
    });
    assert.deepEqual(broker.published[0].retryPolicy, {
      backoff: true,
      defaultDelay: 2_000,
      backoffMax: 60_000,
    });
  });

  test("eta takes an ISO string; expires is relative and expiresAt absolute", async () => {
    const { stem, broker } = producer();
    await stem.enqueue("t", {
      enqueueOptions: { eta: "2030-01-01T00:00:00Z", expires: "1h" },
    });
    await stem.enqueue("t", {
      enqueueOptions: { expiresAt: "2031-01-01T00:00:00.000Z", expires: "1h" },
    });
    const [first, second] = broker.published;
    assert.equal(first.notBefore, Date.parse("2030-01-01T00:00:00Z"));
    assert.equal(first.expires, first.enqueuedAt + 3_600_000);
    assert.equal(second.expires, Date.parse("2031-01-01T00:00:00Z"));
  });
});

describe("args and meta must be JSON", () => {
  const values: [string, (x: Record<string, unknown>) => void, RegExp][] = [
    ["a BigInt", (x) => (x.big = 10n), /args\.big.*BigInt/],
    ["a function", (x) => (x.fn = () => 1), /args\.fn.*function/],
    ["a symbol", (x) => (x.sym = Symbol("s")), /args\.sym.*symbol/],
    ["a cycle", (x) => (x.self = x), /args\.self.*cycle/],
    ["Infinity", (x) => (x.list = [1, Infinity]), /args\.list\[1\].*Infinity/],
  ];
  for (const [label, poison, message] of values) {
    test(`${label} in args is payload-encode-failed naming the path`, async () => {
      const { stem, broker } = producer();
      const args: Record<string, unknown> = { ok: 1 };
      poison(args);
      await assert.rejects(
        () => stem.enqueue("t", { args: args as never }),
        (e: Error & { code?: string }) =>
          e.name === "PayloadEncodeError" && e.code === "payload-encode-failed" &&
          message.test(e.message),
      );
      assert.equal(broker.published.length, 0);
    });
  }

  test("a BigInt in meta and in a link's args are refused too", async () => {
    const { stem } = producer();
    await assert.rejects(() => stem.enqueue("t", { meta: { n: 1n as never } }), /meta\.n/);
    await assert.rejects(
      () =>
        stem.enqueue("t", { enqueueOptions: { link: [{ name: "x", args: { n: 1n as never } }] } }),
      /enqueueOptions\.link\[0\]\.args\.n/,
    );
  });

  test("20,000-deep args are refused with a clear error instead of overflowing the stack", async () => {
    const { stem } = producer();
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20_000; i++) deep = (deep.a = {}) as Record<string, unknown>;
    await assert.rejects(
      () => stem.enqueue("t", { args: root as never }),
      (e: Error & { code?: string }) =>
        e.code === "payload-encode-failed" && /nested deeper than 200 levels/.test(e.message),
    );
    let meta: unknown = 1;
    for (let i = 0; i < 20_000; i++) meta = [meta];
    await assert.rejects(
      () => stem.enqueue("t", { meta: { m: meta as never } }),
      /meta\.m\[0\].*nested deeper than 200/,
    );
  });

  test("shared (non-cyclic) references and Dates are fine", async () => {
    const { stem } = producer();
    const shared = { x: 1 };
    await stem.enqueue("t", { args: { a: shared, b: shared, when: new Date(0) as never } });
  });
});

describe("registry and link names", () => {
  test("a producer with an empty registry enqueues any name (send_task)", async () => {
    const { stem, broker } = producer();
    await stem.enqueue("not.registered.here");
    assert.equal(broker.published.length, 1);
  });

  test("strict: true refuses unknown names; requireRegistered still works as an alias", async () => {
    const { stem } = producer({ strict: true });
    await assert.rejects(() => stem.enqueue("nope"), { code: "unknown-task" });
    const alias = new Stem({ broker: new InMemoryBroker(), requireRegistered: true });
    await assert.rejects(() => alias.enqueue("nope"), { code: "unknown-task" });
  });

  test("a registry with handlers is strict by default; strict: false opts out", async () => {
    const { stem } = producer({ tasks: ["known"] });
    await assert.rejects(() => stem.enqueue("knwon"), { code: "unknown-task" });
    const loose = producer({ tasks: ["known"], strict: false });
    await loose.stem.enqueue("anything");
  });

  test("a typo'd link or linkError name is unknown-task at enqueue on a strict producer", async () => {
    const { stem, broker } = producer({ tasks: ["parent", "notify"] });
    await assert.rejects(
      () => stem.enqueue("parent", { enqueueOptions: { link: [{ name: "notfy" }] } }),
      (e: Error & { code?: string; taskName?: string }) =>
        e.code === "unknown-task" && e.taskName === "notfy",
    );
    await assert.rejects(
      () => stem.enqueue("parent", { enqueueOptions: { linkError: [{ name: "oops" }] } }),
      { code: "unknown-task" },
    );
    assert.equal(broker.published.length, 0);
    await stem.enqueue("parent", { enqueueOptions: { link: [{ name: "notify" }] } });
  });

  test("an invalid queue in a handler's defaults is refused at enqueue", async () => {
    const registry = new SimpleTaskRegistry([
      new FunctionTaskHandler({ name: "h", options: { queue: "bad queue" }, entrypoint: () => 1 }),
    ]);
    const stem = new Stem({ broker: new InMemoryBroker(), registry });
    await assert.rejects(() => stem.enqueue("h"), /queue.*contains " "/);
  });
});

describe("enqueueMany takes the same path as enqueue", () => {
  test("it validates every request first: one bad request publishes none", async () => {
    const { stem, broker } = producer();
    await assert.rejects(
      () =>
        stem.enqueueMany([
          { name: "t", args: { i: 1 } },
          { name: "t", enqueueOptions: { link: [null as never] } },
        ]),
      { code: "validation-failed" },
    );
    assert.equal(broker.published.length, 0);
  });

  test("it emits beforeTaskPublish and afterTaskPublish and retries the publish", async () => {
    const signals = createSignals();
    const broker = recordingBroker();
    let failures = 1;
    const publishMany = broker.publishMany.bind(broker);
    broker.publishMany = (envelopes) =>
      failures-- > 0 ? Promise.reject(new Error("connection reset")) : publishMany(envelopes);
    const stem = new Stem({ broker, signals });
    const before: string[] = [];
    const after: string[] = [];
    signals.beforeTaskPublish.connect(({ envelope }) => before.push(envelope.id));
    signals.afterTaskPublish.connect(({ envelope }) => after.push(envelope.id));
    const retry = { retry: true, retryPolicy: { maxRetries: 2, defaultDelay: 0 } };
    const ids = await stem.enqueueMany([
      { name: "a", enqueueOptions: retry },
      { name: "b", enqueueOptions: retry },
    ]);
    assert.deepEqual(before, ids);
    assert.deepEqual(after, ids);
    assert.equal((await broker.counts("default")).pending, 2);
  });
});
