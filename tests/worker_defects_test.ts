import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { PayloadSigner } from "../src/security/payload_signer.ts";
import {
  FunctionTaskHandler,
  InMemoryBroker,
  InMemoryResultBackend,
  type TaskContext,
  type TaskStatusInput,
} from "../mod.ts";
import { MetaKey } from "../src/core/meta_keys.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
import { fakeTimeApp, gate, statusWhere } from "./helpers/app.ts";

describe("Worker correctness (issue 9)", () => {
  test("defect 3: a result that cannot be encoded fails once with payload-encode-failed and is dead-lettered", async () => {
    let runs = 0;
    const { app, clock } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "bigint",
          options: { maxRetries: 3, visibilityTimeout: "1s" },
          entrypoint: () => {
            runs++;
            const cycle: Record<string, unknown> = { n: 10n };
            cycle.self = cycle;
            return cycle;
          },
        }),
      ],
    });
    const id = await app.stem.enqueue("bigint");
    const result = await app.stem.waitForTask(id);
    assert.equal(result.status?.state, "failed");
    assert.equal(result.status?.error?.code, "payload-encode-failed");
    assert.equal(result.status?.error?.retryable, false);
    assert.equal(
      (await app.deadLetters.getDeadLetter("default", id))?.reason,
      "payload-encode-failed",
    );
    await clock.tick(5_000);
    assert.equal(runs, 1, "never re-run at lease expiry");
    await app.close();
  });

  test("defect 4: an unknown link name on a strict producer never blocks the parent", async () => {
    const { app } = await fakeTimeApp({
      tasks: [new FunctionTaskHandler({ name: "parent", entrypoint: () => "done" })],
    });
    // The producer now refuses unknown link names; another producer's envelope still carries one.
    const id = "parent-1";
    await app.broker.publish(
      testEnvelope({ id, name: "parent", link: [{ name: "typo.name" }] }),
    );
    const parent = await app.stem.waitForTask(id);
    assert.equal(parent.status?.state, "succeeded");
    const failures = parent.status?.meta[MetaKey.linkFailures] as Array<{ reason: string }>;
    assert.equal(failures[0].reason, "unknown-task");
    const followUp = await app.stem.waitForTask(`${id}:link:0`);
    assert.equal(followUp.status?.state, "failed");
    assert.equal(
      (await app.deadLetters.getDeadLetter("default", `${id}:link:0`))?.reason,
      "link-failed",
    );
    assert.equal((await app.broker.counts("default")).inflight, 0, "the parent was acked");
    await app.close();
  });

  test("defect 4: a malformed link field is dead-lettered as malformed-envelope at admission", async () => {
    let runs = 0;
    const { app } = await fakeTimeApp({
      tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => ++runs })],
    });
    const bad = [
      testEnvelope({ id: "l-string", name: "t", link: "abc" as never }),
      testEnvelope({ id: "l-null", name: "t", link: [null] as never }),
      testEnvelope({ id: "l-name", name: "t", linkError: [{ name: 5 }] as never }),
    ];
    for (const envelope of bad) {
      await app.broker.publish(envelope);
      const result = await app.stem.waitForTask(envelope.id);
      assert.equal(result.status?.state, "failed");
      const dead = await app.deadLetters.getDeadLetter("default", envelope.id);
      assert.equal(dead?.reason, "malformed-envelope");
    }
    assert.equal(runs, 0);
    await app.close();
  });

  test("defect 7: an unknown task and a bad signature get a terminal status, so waitForTask resolves", async () => {
    const { app } = await fakeTimeApp({
      tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => 1 })],
    });
    await app.broker.publish(testEnvelope({ id: "nobody-1", name: "nobody" }));
    const unknown = await app.stem.waitForTask("nobody-1");
    assert.equal(unknown.status?.state, "failed");
    assert.equal(unknown.status?.meta.deadLetterReason, "unknown-task");
    await app.close();
    const signer = new PayloadSigner({ keys: { k1: "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==" } });
    const signed = await fakeTimeApp({
      signer,
      tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => 1 })],
    });
    await signed.app.broker.publish(testEnvelope({ id: "unsigned-1", name: "t" }));
    const rejected = await signed.app.stem.waitForTask("unsigned-1");
    assert.equal(rejected.status?.state, "failed");
    assert.equal(rejected.status?.meta.deadLetterReason, "signature-missing");
    await signed.app.close();
  });

  test("defect 8: after the hard limit the slot stays taken until the handler settles", async () => {
    const release = gate();
    const started: string[] = [];
    const { app, clock } = await fakeTimeApp({
      concurrency: 1,
      tasks: [
        new FunctionTaskHandler({
          name: "ignores.abort",
          options: { hardTimeLimit: "1s" },
          entrypoint: async (ctx: TaskContext) => {
            started.push(ctx.id);
            await release.promise;
          },
        }),
      ],
    });
    const first = await app.stem.enqueue("ignores.abort");
    const second = await app.stem.enqueue("ignores.abort");
    await statusWhere(app, first, (s) => s.state === "running");
    await clock.tick(1_000);
    const timedOut = await app.stem.waitForTask(first);
    assert.equal(timedOut.status?.error?.code, "task-timeout", "the outcome is recorded at once");
    await clock.tick(0);
    assert.deepEqual(started, [first], "the second task waits: the first handler still runs");
    release.open();
    await statusWhere(app, second, (s) => s.state !== "queued");
    assert.deepEqual(started, [first, second]);
    await app.close();
  });

  test("defect 9: a dead-letter replay resets the status to queued", async () => {
    let fail = true;
    const { app } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "fixable",
          entrypoint: () => {
            if (fail) throw new TypeError("down");
            return "fixed";
          },
        }),
      ],
    });
    const id = await app.stem.enqueue("fixable");
    assert.equal((await app.stem.waitForTask(id)).status?.state, "failed");
    await app.worker.shutdown();
    fail = false;
    await app.deadLetters.replayDeadLetters("default");
    assert.equal((await app.backend.get(id))?.state, "queued");
    await app.close();
  });

  test("defect 13: a stale copy of a finished task is acked unrun and never overwrites its status", async () => {
    let runs = 0;
    const { app } = await fakeTimeApp({
      tasks: [new FunctionTaskHandler({ name: "once", entrypoint: () => ++runs })],
    });
    const id = await app.stem.enqueue("once");
    assert.equal((await app.stem.waitForTask(id)).value, 1);
    const writes: string[] = [];
    await app.backend.watch(id, (s) => writes.push(s.state));
    const acked = app.signals.taskReceived.next((p) => p.id === id);
    await app.broker.publish(testEnvelope({ id, name: "once", parentId: "p-1" }));
    await acked;
    await app.worker.shutdown();
    assert.equal(runs, 1);
    assert.deepEqual(writes, [], "no running written over succeeded");
    assert.equal((await app.backend.get(id))?.state, "succeeded");
    assert.equal((await app.broker.counts("default")).inflight, 0);
    await app.close();
  });

  test("defect 13: only a delivery that may be a stale copy costs a status read before it runs", async () => {
    const { SimpleTaskRegistry, Stem, Worker } = await import("../mod.ts");
    const { FakeClock } = await import("../src/testing/fake_clock.ts");
    const clock = new FakeClock();
    const broker = new InMemoryBroker({ clock });
    const reads: string[] = [];
    class CountingBackend extends InMemoryResultBackend {
      override get(id: string) {
        reads.push(id);
        return super.get(id);
      }
    }
    const backend = new CountingBackend({ clock });
    let runs = 0;
    const registry = new SimpleTaskRegistry([
      new FunctionTaskHandler({
        name: "t",
        options: { visibilityTimeout: "1s" },
        entrypoint: () => ++runs,
      }),
    ]);
    const stem = new Stem({ broker, registry, clock });
    const worker = new Worker({ broker, backend, registry, clock });
    await worker.start();
    const fresh = await stem.enqueue("t");
    await clock.tick(0);
    assert.equal((await backend.get(fresh))?.state, "succeeded");
    assert.deepEqual(reads.splice(0), [fresh], "the first delivery of a new task reads nothing");
    await worker.shutdown();
    // A redelivery (its first lease ran out unsettled) of a task that finished meanwhile.
    await broker.publish(testEnvelope({ id: fresh, name: "t", visibilityTimeout: 1_000 }));
    const controller = new AbortController();
    const hung = broker.consume({ queues: ["default"], signal: controller.signal })
      [Symbol.asyncIterator]();
    await hung.next();
    controller.abort();
    await hung.return?.(undefined);
    const again = new Worker({ broker, backend, registry, clock });
    await again.start();
    await clock.tick(1_001);
    await clock.tick(0);
    assert.deepEqual(reads, [fresh], "the redelivery read the status");
    assert.equal(runs, 1, "and was acked unrun");
    assert.equal((await broker.counts("default")).inflight, 0);
    await again.shutdown();
  });

  test("defect 13: a task whose leases keep running out is dead-lettered as lease-expired-repeatedly past maxDeliveries", async () => {
    const { SimpleTaskRegistry, Stem, Worker } = await import("../mod.ts");
    const { FakeClock } = await import("../src/testing/fake_clock.ts");
    let runs = 0;
    const clock = new FakeClock();
    const broker = new InMemoryBroker({ clock });
    const backend = new InMemoryResultBackend({ clock });
    const registry = new SimpleTaskRegistry([
      new FunctionTaskHandler({
        name: "t",
        options: { maxDeliveries: 2, visibilityTimeout: "1s" },
        entrypoint: () => ++runs,
      }),
    ]);
    const stem = new Stem({ broker, backend, registry, clock });
    const worker = new Worker({ broker, backend, registry, clock });
    const id = await stem.enqueue("t");
    // A consumer that takes the task and never settles it (a process that hangs or dies, so no
    // renewal): each lease runs out and the broker hands the message out again.
    const controller = new AbortController();
    const hung = broker.consume({ queues: ["default"], prefetch: 4, signal: controller.signal })
      [Symbol.asyncIterator]();
    const counts: number[] = [];
    for (let i = 0; i < 2; i++) {
      const next = hung.next();
      await clock.tick(1_001);
      counts.push((await next).value.deliveryCount);
    }
    controller.abort();
    await hung.return?.(undefined);
    assert.deepEqual(counts, [1, 2], "the broker counts the deliveries");
    await worker.start();
    await clock.tick(1_001);
    const result = await stem.waitForTask(id);
    assert.equal(result.status?.state, "failed");
    assert.equal((await broker.getDeadLetter("default", id))?.reason, "lease-expired-repeatedly");
    assert.equal(runs, 0, "the third delivery is dead-lettered unrun");
    await clock.tick(5_000);
    assert.deepEqual(
      [(await broker.counts("default")).inflight, (await broker.counts("default")).pending],
      [0, 0],
      "not redelivered again",
    );
    await worker.shutdown();
  });

  test("defect 12: a status write that fails twice is retried with back-off and the task settles", async () => {
    let failures = 2;
    class BlippyBackend extends InMemoryResultBackend {
      override set(status: TaskStatusInput, options?: { ttl?: number }) {
        if (status.state === "succeeded" && failures-- > 0) {
          return Promise.reject(new Error("connection reset"));
        }
        return super.set(status, options);
      }
    }
    const { StemApp } = await import("../mod.ts");
    const { FakeClock } = await import("../src/testing/fake_clock.ts");
    const clock = new FakeClock();
    const app = new StemApp({
      broker: new InMemoryBroker({ clock }),
      backend: new BlippyBackend({ clock }),
    }, { clock, tasks: [new FunctionTaskHandler({ name: "t", entrypoint: () => "ok" })] });
    await app.start();
    const id = await app.stem.enqueue("t");
    await clock.tick(0);
    assert.equal((await app.broker.counts("default")).inflight, 1, "not settled yet");
    await clock.tick(100);
    await clock.tick(400);
    assert.equal((await app.stem.waitForTask(id)).value, "ok");
    assert.equal((await app.broker.counts("default")).inflight, 0);
    await app.close();
  });

  test("item 16: the final status keeps the last progress; a thrown plain object is readable", async () => {
    const { app } = await fakeTimeApp({
      tasks: [
        new FunctionTaskHandler({
          name: "p",
          entrypoint: async (ctx) => {
            await ctx.progress(80, { step: "upload" });
            return "done";
          },
        }),
        new FunctionTaskHandler({
          name: "throws.object",
          entrypoint: () => {
            throw { code: "E_QUOTA", detail: "over quota" };
          },
        }),
      ],
    });
    const p = await app.stem.enqueue("p");
    assert.deepEqual((await app.stem.waitForTask(p)).status?.progress, {
      percent: 80,
      data: { step: "upload" },
    });
    const o = await app.stem.enqueue("throws.object");
    const error = (await app.stem.waitForTask(o)).status?.error;
    assert.equal(error?.message, '{"code":"E_QUOTA","detail":"over quota"}');
    assert.equal(error?.code, "E_QUOTA");
    await app.close();
  });
});
