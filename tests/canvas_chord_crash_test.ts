// The chord's exactly-once proof: the worker that would dispatch the callback is killed with
// SIGKILL at a random store write of its run (before or after it), 20 times; a rescuer picks the
// bodies up after their lease, and the callback runs exactly once every time.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { connect } from "../adapters/sqlite/mod.ts";
import { consoleLogger, FunctionTaskHandler, signature, StemAppBase } from "../mod.ts";
import { currentRuntime, killStrayWorkers, spawnWorker } from "./helpers/redis_worker_process.ts";

const dir = mkdtempSync(join(tmpdir(), "stem-chord-crash-"));
after(() => {
  killStrayWorkers();
  rmSync(dir, { recursive: true, force: true });
});

const ROUNDS = Number(process.env.STEM_TEST_ROUNDS ?? 20);
const BODY = 3;
// A 3-member chord's run makes 16 writes (per body: running, group result, status, ack; the
// last body also the claim, the callback's queued status and publish, the kv mark); 17 = none.
const MAX_WRITE = 17;

test(`a chord's callback runs exactly once when its dispatcher is killed (${ROUNDS} rounds)`, async () => {
  for (let round = 0; round < ROUNDS; round++) {
    const file = join(dir, `chord-${round}.db`);
    const producerStores = await connect(file);
    const producer = new StemAppBase(producerStores, { autoStart: false });
    const body = Array.from(
      { length: BODY },
      (_, n) => signature("chord.body", { n }, { queue: "body", visibilityTimeout: "700ms" }),
    );
    const run = await producer.canvas.chord(
      body,
      signature<number[]>("chord.callback", {}, { queue: "cb" }),
    );
    const forced = process.env.STEM_TEST_FORCE_KILL; // "21:after" replays one failing round
    const killAt = forced
      ? Number(forced.split(":")[0])
      : 1 + Math.floor(Math.random() * MAX_WRITE);
    const killAfter = forced ? forced.endsWith("after") : Math.random() < 0.5;
    // The worker starts consuming inside start(): with an early kill point it can die at its
    // write before it prints "ready". That SIGKILL is the experiment, not a failed start (any
    // other early exit still fails the test).
    const doomed = await spawnWorker(currentRuntime(), "tests/fixtures/chord_crash_worker.ts", {
      STEM_TEST_URL: file,
      STEM_TEST_KILL_AT: String(killAt),
      STEM_TEST_KILL_AFTER: killAfter ? "1" : "0",
    }).catch((error: Error) => {
      if (/exited \(SIGKILL\) before ready/.test(error.message)) return null;
      throw error;
    });
    // The doomed worker either dies at its write or finishes every body; wait for one of them.
    const died = doomed ? doomed.exited.then(() => true) : Promise.resolve(true);
    const drained = (async () => {
      for (;;) {
        const c = await producer.broker.counts("body");
        if (c.pending + c.inflight + c.delayed === 0) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const killed = await Promise.race([died, drained]);
    if (!killed && doomed) {
      doomed.child.kill("SIGKILL");
      await doomed.exited;
    }
    await producer.close();
    let runs = 0;
    const seen: unknown[] = [];
    const rescuerStores = await connect(file);
    const rescuer = new StemAppBase(rescuerStores, {
      tasks: [
        new FunctionTaskHandler({
          name: "chord.body",
          entrypoint: (_ctx, args: { n: number }) => args.n,
          options: { queue: "body" },
        }),
        new FunctionTaskHandler({
          name: "chord.callback",
          entrypoint: (ctx) => {
            runs++;
            seen.push(ctx.previousResult);
            return ctx.previousResult;
          },
          options: { queue: "cb" },
        }),
      ],
      queues: ["body", "cb"],
      logger: process.env.STEM_TEST_DEBUG ? consoleLogger() : undefined,
    });
    try {
      await rescuer.start();
      const result = await rescuer.stem.waitForTask(run.callbackTaskId, { timeout: "20s" });
      const label = `round ${round}: kill ${killAfter ? "after" : "before"} write ${killAt}`;
      assert.equal(result.state, "succeeded", label);
      // Every copy that could exist is on the queues by now; drain them before counting.
      for (;;) {
        const [b, c] = await Promise.all(
          ["body", "cb"].map((q) => rescuer.broker.counts(q)),
        );
        if (b.pending + b.inflight + b.delayed + c.pending + c.inflight + c.delayed === 0) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      assert.equal(runs, 1, `${label}: the callback ran ${runs} times`);
      assert.deepEqual(seen[0], [0, 1, 2], label);
    } finally {
      await rescuer.close();
    }
  }
});
