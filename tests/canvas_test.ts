// Canvas behaviour (chain, group, chord, batch, nesting) on every adapter fixture.
import * as api from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import {
  Canvas,
  chain,
  chord,
  FunctionTaskHandler,
  group,
  type JsonValue,
  signature,
  StemAppBase,
  type StoreSet,
  TaskDefinition,
} from "../mod.ts";
import { adapterFixtures } from "./helpers/adapter_fixtures.ts";

const only = process.env.STEM_CANVAS_FIXTURE;
const add = TaskDefinition.json<{ a: number; b: number }, number>({ name: "canvas.add" });
const double = TaskDefinition.json<{ n?: number }, number>({ name: "canvas.double" });

/** Handlers shared by every case; `seen` records side effects per test. */
function tasks(seen: { errors: JsonValue[]; sums: number }) {
  return [
    add.handler((_ctx, { a, b }) => a + b),
    double.handler((ctx, { n }) => 2 * (n ?? (ctx.previousResult as number))),
    new FunctionTaskHandler({
      name: "canvas.sum",
      entrypoint: (ctx) => {
        seen.sums++;
        return (ctx.previousResult as number[]).reduce((x, y) => x + y, 0);
      },
    }),
    new FunctionTaskHandler({
      name: "canvas.boom",
      entrypoint: () => {
        throw new Error("boom");
      },
    }),
    new FunctionTaskHandler({
      name: "canvas.onError",
      entrypoint: (ctx) => void seen.errors.push(ctx.previousResult ?? null),
    }),
  ];
}

for (const make of adapterFixtures) {
  if (only && make.name !== only) continue;
  const fixture = await make(api);
  const name = make.name.replace(/Fixture$/, "");
  if ("skip" in fixture) {
    api.test(`canvas: ${name}`, { skip: fixture.skip }, () => {});
    continue;
  }
  api.describe(`canvas on ${fixture.name}`, () => {
    const open = async () => {
      const seen = { errors: [] as JsonValue[], sums: 0 };
      const stores = await fixture.connect() as unknown as StoreSet;
      const app = new StemAppBase(stores, { tasks: tasks(seen), concurrency: 4 });
      await app.start();
      return { app, seen, canvas: app.canvas };
    };

    api.test("a chain passes each result on and resolves to the last one, typed", async () => {
      const { app, canvas } = await open();
      try {
        const run = await canvas.chain([
          add.signature({ a: 1, b: 2 }),
          double.signature({}, { previousResultAs: "n" }),
          double.signature({}),
        ]);
        assert.equal(run.finalTaskId, `${run.chainId}.2`);
        const result = await run.result({ timeout: "10s" });
        const value: number | undefined = result.value;
        assert.equal(value, 12);
        const middle = await app.stem.getTaskStatus(`${run.chainId}.1`);
        assert.equal(middle?.state, "succeeded");
      } finally {
        await app.close();
      }
    });

    api.test("a next step whose publish fails once is retried before the settle", async () => {
      const seen = { errors: [] as JsonValue[], sums: 0 };
      let failures = 0;
      const stores = await fixture.connect() as unknown as StoreSet;
      const app = new StemAppBase(stores, {
        tasks: tasks(seen),
        middleware: [{
          onEnqueue: (envelope, next) =>
            envelope.name === "canvas.double" && envelope.parentId && failures++ === 0
              ? Promise.reject(new Error("connection reset by peer"))
              : next(envelope),
        }],
      });
      try {
        await app.start();
        const run = await app.canvas.chain([add.signature({ a: 2, b: 2 }), double.signature({})]);
        assert.equal((await run.result({ timeout: "10s" })).value, 8);
        assert.equal(failures, 2, "one refused publish, then the retry");
      } finally {
        await app.close();
      }
    });

    api.test("a failing step stops the chain and runs onError once", async () => {
      const { app, canvas, seen } = await open();
      try {
        const run = await canvas.chain([
          add.signature({ a: 1, b: 1 }),
          signature("canvas.boom"),
          double.signature({}),
        ], { onError: signature("canvas.onError") });
        const result = await run.result({ timeout: "10s" });
        assert.equal(result.state, "failed");
        assert.equal(result.error?.code, "canvas-step-failed");
        const error = await app.stem.waitForTask(`${run.chainId}.error`, { timeout: "10s" });
        assert.equal(error.state, "succeeded");
        assert.equal(seen.errors.length, 1);
        assert.equal((seen.errors[0] as { taskId: string }).taskId, `${run.chainId}.1`);
      } finally {
        await app.close();
      }
    });

    api.test("a group returns results in input order, failures per member", async () => {
      const { app, canvas } = await open();
      try {
        const run = await canvas.group([
          add.signature({ a: 1, b: 1 }),
          signature("canvas.boom"),
          add.signature({ a: 5, b: 5 }),
        ]);
        assert.equal(run.taskIds.length, 3);
        const [first, second, third] = await run.results({ timeout: "10s" });
        const typed: number | undefined = first.value;
        assert.equal(typed, 2);
        assert.equal(second.state, "failed");
        assert.equal(third.value, 10);
      } finally {
        await app.close();
      }
    });

    api.test("a chord calls back once with the body results in body order", async () => {
      const { app, canvas, seen } = await open();
      try {
        const body = [1, 2, 3, 4, 5].map((a) => add.signature({ a, b: 10 * a }));
        const run = await canvas.chord(body, signature<number>("canvas.sum"));
        const result = await run.result({ timeout: "10s" });
        assert.equal(result.value, 11 + 22 + 33 + 44 + 55);
        assert.equal(seen.sums, 1);
        const group = await app.backend.getGroup(run.chordId);
        assert.equal(group?.meta["stem.chord.callbackTaskId"], run.callbackTaskId);
      } finally {
        await app.close();
      }
    });

    api.test("a failed body member fails the chord: no callback, onError once", async () => {
      const { app, canvas, seen } = await open();
      try {
        const run = await canvas.chord(
          [add.signature({ a: 1, b: 1 }), signature("canvas.boom"), add.signature({ a: 2, b: 2 })],
          signature<number>("canvas.sum"),
          { onError: signature("canvas.onError") },
        );
        const result = await run.result({ timeout: "10s" });
        assert.equal(result.state, "failed");
        await app.stem.waitForTask(`${run.chordId}.error`, { timeout: "10s" });
        assert.equal(seen.sums, 0);
        assert.equal(seen.errors.length, 1);
        assert.equal((seen.errors[0] as { taskId: string }).taskId, `${run.chordId}.1`);
        const group = await app.backend.getGroup(run.chordId);
        assert.equal(group?.meta["stem.chord.callbackTaskId"], `${run.chordId}:failed`);
      } finally {
        await app.close();
      }
    });

    api.test("nesting: a group in a chain, a chain in a group, a chord as a step", async () => {
      const { app, canvas } = await open();
      try {
        const run = await canvas.chain([
          add.signature({ a: 1, b: 2 }),
          group([
            double.signature({}),
            chain([double.signature({}), double.signature({})]),
          ]),
          signature<number>("canvas.sum"),
          chord([double.signature({}), double.signature({})], signature<number>("canvas.sum")),
          double.signature({}),
        ]);
        // 3 → [6, 12] → 18 → [36, 36] → 72 → 144
        const result = await run.result({ timeout: "15s" });
        assert.equal(result.value, 144);
      } finally {
        await app.close();
      }
    });

    api.test("a batch is idempotent by id and inspectable", async () => {
      const { app, canvas } = await open();
      try {
        const sigs = [add.signature({ a: 1, b: 1 }), signature("canvas.boom")];
        const first = await canvas.batch(sigs, { batchId: "batch-1" });
        const again = await canvas.batch(sigs, { batchId: "batch-1" });
        assert.equal(first.existing, false);
        assert.equal(again.existing, true);
        assert.deepEqual(again.taskIds, first.taskIds);
        for (const id of first.taskIds) await app.stem.waitForTask(id, { timeout: "10s" });
        // Members reach their group before their status is written, so the batch is complete.
        const status = await canvas.inspectBatch("batch-1");
        assert.equal(status?.completed, 2);
        assert.equal(status?.state, "partial");
        assert.deepEqual(status?.counts, { succeeded: 1, failed: 1 });
        assert.equal(await canvas.inspectBatch("missing"), null);
      } finally {
        await app.close();
      }
    });

    if (fixture.connectPeer) {
      api.test("a chain finishes after the producer that started it closed", async () => {
        const seen = { errors: [] as JsonValue[], sums: 0 };
        const workerStores = await fixture.connect() as unknown as StoreSet;
        const producerStores = await fixture.connectPeer!() as unknown as StoreSet;
        const producer = new StemAppBase(producerStores, { autoStart: false });
        const run = await new Canvas(producer.stem).chain([
          add.signature({ a: 2, b: 3 }),
          double.signature({}),
          double.signature({}),
        ]);
        await producer.close();
        const worker = new StemAppBase(workerStores, { tasks: tasks(seen) });
        try {
          await worker.start();
          const result = await double.waitFor(worker, run.finalTaskId, { timeout: "10s" });
          assert.equal(result.value, 20);
        } finally {
          await worker.close();
        }
      });
    }
  });
}
