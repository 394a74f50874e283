import { describe, test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  consoleLogger,
  type ConsumeOptions,
  FunctionTaskHandler,
  InMemoryBroker,
  InMemoryResultBackend,
  SimpleTaskRegistry,
  type StemAdapter,
  StemApp,
  StemConfig,
  type StoreSet,
  storesFromParts,
  systemClock,
  type TaskContext,
  type TaskHandler,
} from "../mod.ts";
import { gate } from "./helpers/app.ts";

class ShoutTask implements TaskHandler<string> {
  readonly name = "text.shout";
  readonly options = { queue: "text" };
  call(_ctx: TaskContext, args: Record<string, unknown>): string {
    return String(args.text).toUpperCase();
  }
}

describe("StemApp", () => {
  test("inMemory: enqueue → worker → result in one process", async () => {
    const app = await StemApp.inMemory({
      tasks: [
        new FunctionTaskHandler({
          name: "hello.print",
          entrypoint: (_ctx, args) => `Hello ${args.name}`,
        }),
      ],
    });
    await app.start();
    const id = await app.stem.enqueue("hello.print", { args: { name: "Stem" } });
    const res = await app.stem.waitForTask<string>(id, { timeout: "5s" });
    assert.equal(res.isSucceeded, true);
    assert.equal(res.value, "Hello Stem");
    assert.equal(res.requiredValue(), "Hello Stem");
    assert.equal(res.status?.meta.queue, "default");
    assert.equal(res.status?.meta.worker, app.worker.id);
    await app.close();
  });

  test("class handlers work and their queue is consumed by default", async () => {
    const app = await StemApp.inMemory({ tasks: [new ShoutTask()] });
    await app.start();
    assert.deepEqual(app.worker.queues.sort(), ["default", "text"]);
    const id = await app.stem.enqueue("text.shout", { args: { text: "hi" } });
    const res = await app.stem.waitForTask<string>(id, { timeout: "5s" });
    assert.equal(res.value, "HI");
    assert.equal(res.status?.meta.queue, "text");
    await app.close();
  });

  test("an app with tasks refuses unknown names; a producer-only app sends any name", async () => {
    const app = await StemApp.inMemory({ tasks: [new ShoutTask()] });
    await assert.rejects(() => app.stem.enqueue("text.shuot"), { name: "UnknownTaskError" });
    await app.close();
    const producer = await StemApp.inMemory();
    const id = await producer.stem.enqueue("handled.elsewhere");
    assert.equal((await producer.backend.get(id))?.state, "queued");
    await producer.close();
  });

  test("fromUrl('memory://') builds an in-memory app; unknown schemes name the adapter to import", async () => {
    const app = await StemApp.fromUrl("memory://", { tasks: [new ShoutTask()] });
    await app.start();
    const id = await app.stem.enqueue("text.shout", { args: { text: "x" } });
    assert.equal((await app.stem.waitForTask(id, { timeout: "5s" })).value, "X");
    await app.close();
    await assert.rejects(
      () => StemApp.fromUrl("nats://user:secret@host"),
      (e: Error) =>
        /No Stem adapter handles "nats:"/.test(e.message) && !e.message.includes("secret"),
    );
  });
});

const hello = new FunctionTaskHandler({
  name: "hello.print",
  entrypoint: (_ctx, args) => `Hello ${args.name}`,
});

/** A memory StoreSet that counts how often it is closed. */
function countedStores(): { stores: StoreSet; closes: () => number } {
  let closes = 0;
  const inner = storesFromParts({
    broker: new InMemoryBroker(),
    backend: new InMemoryResultBackend(),
  });
  const stores = { ...inner, close: () => (closes++, inner.close()) };
  return { stores, closes: () => closes };
}

/** An adapter for `fake://` whose connect() records its calls and options. */
function recordingAdapter(): {
  adapter: StemAdapter;
  connects: { url: string; options: Record<string, unknown> }[];
  closes: () => number;
} {
  const connects: { url: string; options: Record<string, unknown> }[] = [];
  let closes = 0;
  const adapter: StemAdapter = {
    schemes: ["fake"],
    connect: (url, options = {}) => {
      connects.push({ url, options: options as Record<string, unknown> });
      const { stores } = countedStores();
      return Promise.resolve({ ...stores, close: () => (closes++, stores.close()) });
    },
  };
  return { adapter, connects, closes: () => closes };
}

describe("StemApp composition", () => {
  test("the worker starts on the first enqueue, so enqueue then waitForTask needs no start()", async () => {
    const app = await StemApp.inMemory({ tasks: [hello] });
    assert.equal(app.worker.running, false);
    const id = await app.stem.enqueue("hello.print", { args: { name: "auto" } });
    assert.equal(app.worker.running, true);
    assert.equal((await app.stem.waitForTask<string>(id, { timeout: "5s" })).value, "Hello auto");
    await app.close();
  });

  test("a status read or a wait also starts the worker", async () => {
    const app = await StemApp.inMemory({ tasks: [hello] });
    assert.equal(await app.stem.getTaskStatus("missing"), null);
    assert.equal(app.worker.running, true);
    await app.close();
  });

  test("autoStart: false leaves the worker stopped until start()", async () => {
    const app = await StemApp.inMemory({ tasks: [hello], autoStart: false });
    const id = await app.stem.enqueue("hello.print", { args: { name: "manual" } });
    assert.equal((await app.stem.getTaskStatus(id))?.state, "queued");
    assert.equal(app.worker.running, false);
    await app.start();
    assert.equal((await app.stem.waitForTask<string>(id, { timeout: "5s" })).value, "Hello manual");
    await app.close();
  });

  test("an app without tasks is a producer: enqueueing never starts a worker that would steal tasks", async () => {
    const producer = await StemApp.inMemory();
    await producer.stem.enqueue("handled.elsewhere");
    assert.equal(producer.worker.running, false);
    await producer.close();
  });

  test("a worker someone shut down stays down: a later enqueue does not restart it", async () => {
    const app = await StemApp.inMemory({ tasks: [hello] });
    await app.worker.start();
    await app.worker.shutdown();
    const id = await app.stem.enqueue("hello.print", { args: { name: "later" } });
    assert.equal(app.worker.running, false);
    assert.equal((await app.stem.getTaskStatus(id))?.state, "queued");
    await app.close();
  });

  test("a closed app neither restarts its worker on use nor starts on start()", async () => {
    const app = await StemApp.inMemory({ tasks: [hello] });
    await app.close();
    await app.stem.getTaskStatus("x");
    assert.equal(app.worker.running, false);
    await assert.rejects(() => app.start(), /was closed/);
  });

  test("app.stores is the StoreSet the app runs on; close() closes it exactly once", async () => {
    const { stores, closes } = countedStores();
    const app = new StemApp(stores, { tasks: [hello] });
    assert.equal(app.stores, stores);
    assert.equal(app.broker, stores.broker);
    assert.equal(app.backend, stores.statuses);
    await Promise.all([app.close(), app.close()]);
    await app.close();
    assert.equal(closes(), 1);
  });

  test("fromUrl opens one StoreSet per URL through adapter.connect and closes it once", async () => {
    const { adapter, connects, closes } = recordingAdapter();
    const app = await StemApp.fromUrl("fake://one", { adapters: [adapter], tasks: [hello] });
    assert.deepEqual(connects.map((c) => c.url), ["fake://one"]);
    const id = await app.stem.enqueue("hello.print", { args: { name: "set" } });
    assert.equal((await app.stem.waitForTask<string>(id, { timeout: "5s" })).value, "Hello set");
    await app.close();
    await app.close();
    assert.equal(closes(), 1);
  });

  test("a backend URL of its own opens a second set; the app closes both", async () => {
    const { adapter, connects, closes } = recordingAdapter();
    const app = await StemApp.fromUrl("fake://broker", {
      adapters: [adapter],
      backendUrl: "fake://results",
    });
    assert.deepEqual(connects.map((c) => c.url), ["fake://broker", "fake://results"]);
    await app.close();
    assert.equal(closes(), 2);
  });

  test("fromUrl passes connect options, tls, logger and clock to the adapter's connect", async () => {
    const { adapter, connects } = recordingAdapter();
    const logger = consoleLogger({ level: "error" });
    const tls = { caCert: "-----BEGIN CERTIFICATE-----", allowInsecure: false };
    const app = await StemApp.fromUrl("fake://opts", {
      adapters: [adapter],
      connect: { namespace: "ns1", pool: 3 },
      tls,
      logger,
      clock: systemClock,
    });
    const options = connects[0].options;
    assert.equal(options.namespace, "ns1");
    assert.equal(options.pool, 3);
    assert.deepEqual(options.tls, { ca: tls.caCert, rejectUnauthorized: true });
    assert.equal(options.logger, logger);
    assert.equal(options.clock, systemClock);
    await app.close();
  });

  test("tls certificates named by path are read by the composition root and passed as PEM", async () => {
    const { adapter, connects } = recordingAdapter();
    const dir = mkdtempSync(join(tmpdir(), "stem-app-tls-"));
    try {
      const path = join(dir, "ca.pem");
      writeFileSync(path, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
      const app = await StemApp.fromUrl("fake://tls", {
        adapters: [adapter],
        tls: { caCert: path, allowInsecure: true },
      });
      assert.deepEqual(connects[0].options.tls, {
        ca: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        rejectUnauthorized: false,
      });
      await app.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("defaultQueue is the worker's default queue; prefetchMultiplier sets prefetch", async () => {
    const consumed = gate<ConsumeOptions>();
    const inner = new InMemoryBroker();
    const broker = new Proxy(inner, {
      get(target, key) {
        if (key === "consume") {
          return (options: ConsumeOptions) => (consumed.open(options), target.consume(options));
        }
        const value = Reflect.get(target, key, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const app = new StemApp({ broker, backend: new InMemoryResultBackend() }, {
      tasks: [hello],
      defaultQueue: "jobs",
      concurrency: 4,
      prefetchMultiplier: 3,
    });
    assert.deepEqual(app.worker.queues, ["jobs"]);
    assert.equal(app.stem.defaultQueue, "jobs");
    await app.start();
    const options = await consumed.promise;
    assert.equal(options.prefetch, 12);
    assert.deepEqual(options.queues, ["jobs"]);
    await app.close();
    assert.throws(
      () =>
        new StemApp({ broker, backend: new InMemoryResultBackend() }, { prefetchMultiplier: 0 }),
      /Invalid prefetchMultiplier 0: use a positive integer/,
    );
  });

  test("StemConfig.fromEnvironment() without an argument reads the process environment", () => {
    const before = process.env.STEM_BROKER_URL;
    process.env.STEM_BROKER_URL = "redis://from-process-env:6379";
    try {
      assert.equal(StemConfig.fromEnvironment().brokerUrl, "redis://from-process-env:6379");
    } finally {
      if (before === undefined) delete process.env.STEM_BROKER_URL;
      else process.env.STEM_BROKER_URL = before;
    }
  });

  test("StemApp.fromEnvironment builds the app from STEM_* variables; explicit options win", async () => {
    const env = {
      STEM_BROKER_URL: "memory://",
      STEM_DEFAULT_QUEUE: "mail",
      STEM_WORKER_QUEUES: "mail,reports",
    };
    const app = await StemApp.fromEnvironment({ env, tasks: [hello] });
    assert.deepEqual(app.worker.queues, ["mail", "reports"]);
    await app.close();
    const explicit = await StemApp.fromEnvironment({ env, queues: ["only"] });
    assert.deepEqual(explicit.worker.queues, ["only"]);
    await explicit.close();
    await assert.rejects(
      () => StemApp.fromEnvironment({ env: { STEM_PREFETCH_MULTIPLIER: "2" } }),
      /STEM_BROKER_URL/,
    );
  });
});

describe("SimpleTaskRegistry", () => {
  test("register, get, list; duplicate names throw", () => {
    const registry = new SimpleTaskRegistry();
    const a = new FunctionTaskHandler({ name: "a", entrypoint: () => 1 });
    registry.register(a);
    registry.register(new ShoutTask());
    assert.equal(registry.get("a"), a);
    assert.deepEqual(registry.list().map((h) => h.name), ["a", "text.shout"]);
    assert.equal(registry.get("missing"), undefined);
    assert.throws(
      () => registry.register(new FunctionTaskHandler({ name: "a", entrypoint: () => 2 })),
      /already registered/,
    );
  });
});
