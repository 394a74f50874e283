import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { type Envelope, FunctionTaskHandler, Stem } from "../mod.ts";
import { PayloadSigner } from "../src/security/payload_signer.ts";
import { generateKeys } from "../src/security/key_generation.ts";
import { StemConfig } from "../src/config/stem_config.ts";
import { fakeTimeApp, statusWhere } from "./helpers/app.ts";
import { record } from "./helpers/signals.ts";
import { testEnvelope } from "../src/testing/test_values.ts";

const SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";
const OTHER = "b3RoZXItb3RoZXItb3RoZXItb3RoZXItb3RoZXIh";

function charge(ran: string[]) {
  return new FunctionTaskHandler({
    name: "billing.charge",
    entrypoint: (_ctx, args: { amount: number }) => {
      ran.push(`charged ${args.amount}`);
      return args.amount;
    },
  });
}

async function ed25519Pair() {
  const { env, workerEnv } = await generateKeys("ed25519", "ed1");
  const config = (vars: Record<string, string>) =>
    StemConfig.fromEnvironment({ STEM_BROKER_URL: "memory://", ...vars }).signing;
  return {
    producer: PayloadSigner.maybe(config(env))!,
    worker: PayloadSigner.maybe(config(workerEnv))!,
  };
}

describe("Workers verify signatures before running anything", () => {
  test("tampered, unsigned and unknown-key envelopes are dead-lettered with the reason, never run", async () => {
    const ran: string[] = [];
    const signer = new PayloadSigner({ keys: { k1: SECRET } });
    const { app } = await fakeTimeApp({ tasks: [charge(ran)], signer });
    const rejected = record(app.signals.taskRejected);
    const base = await signer.sign(
      testEnvelope({
        id: "t-tampered",
        name: "billing.charge",
        args: { amount: 1 },
        enqueuedAt: 0,
      }),
    );
    const bad: Envelope[] = [
      { ...base, args: { amount: 1_000_000 } },
      { ...base, id: "t-unsigned", signature: undefined },
      await new PayloadSigner({ keys: { k9: SECRET } }).sign({ ...base, id: "t-unknown" }),
      await new PayloadSigner({ keys: { k1: OTHER } }).sign({ ...base, id: "t-wrong-secret" }),
    ];
    for (const envelope of bad) {
      const seen = app.signals.taskRejected.next((p) => p.id === envelope.id);
      await app.broker.publish(envelope);
      await seen;
    }
    assert.deepEqual(
      rejected.items.map((p) => [p.id, p.reason]),
      [
        ["t-tampered", "signature-invalid"],
        ["t-unsigned", "signature-missing"],
        ["t-unknown", "unknown-key"],
        ["t-wrong-secret", "signature-invalid"],
      ],
    );
    assert.match(rejected.items[2].message, /"k9"/);
    const dead = await app.deadLetters.listDeadLetters("default");
    assert.deepEqual(
      dead.entries.map((e) => [e.envelope.id, e.reason]).sort(),
      [
        ["t-tampered", "signature-invalid"],
        ["t-unknown", "unknown-key"],
        ["t-unsigned", "signature-missing"],
        ["t-wrong-secret", "signature-invalid"],
      ],
    );
    assert.deepEqual(ran, [], "no handler ran");
    // The worker keeps going: a properly signed task still runs.
    const id = await app.stem.enqueue("billing.charge", { args: { amount: 5 } });
    assert.equal((await statusWhere(app, id, (s) => s.state === "succeeded")).result, 5);
    assert.deepEqual(ran, ["charged 5"]);
    await app.close();
  });

  test("a verify-only Ed25519 worker retries a signed task without re-signing it", async () => {
    const { producer, worker } = await ed25519Pair();
    const attempts: number[] = [];
    const flaky = new FunctionTaskHandler({
      name: "flaky",
      options: { maxRetries: 2, retryPolicy: { defaultDelay: 1_000, jitter: false } },
      entrypoint: (ctx) => {
        attempts.push(ctx.attempt);
        if (ctx.attempt < 2) throw new Error(`boom ${ctx.attempt}`);
        return "done";
      },
    });
    const { app, clock } = await fakeTimeApp({ tasks: [flaky], signer: worker });
    const rejected = record(app.signals.taskRejected);
    const stem = new Stem({
      broker: app.broker,
      backend: app.backend,
      registry: app.registry,
      signer: producer,
    });
    const retry1 = app.signals.taskRetry.next();
    const id = await stem.enqueue("flaky");
    await retry1;
    const retry2 = app.signals.taskRetry.next();
    await clock.tick(1_000);
    await retry2;
    await clock.tick(1_000);
    const done = await statusWhere(app, id, (s) => s.state === "succeeded");
    assert.equal(done.result, "done");
    assert.deepEqual(attempts, [0, 1, 2]);
    assert.deepEqual(rejected.items, []);
    await app.close();
  });

  test("a dead letter replayed with a reset attempt still verifies and runs", async () => {
    const signer = new PayloadSigner({ keys: { k1: SECRET } });
    let fail = true;
    const once = new FunctionTaskHandler({
      name: "once",
      entrypoint: () => {
        if (fail) throw new Error("first time fails");
        return "second time works";
      },
    });
    const { app } = await fakeTimeApp({ tasks: [once], signer });
    const failed = app.signals.taskFailed.next();
    const id = await app.stem.enqueue("once");
    assert.equal((await failed).deadLetterReason, "max-retries-exhausted");
    fail = false;
    const replay = await app.deadLetters.replayDeadLetters("default");
    assert.equal(replay.entries.length, 1);
    const done = await statusWhere(app, id, (s) => s.state === "succeeded");
    assert.equal(done.result, "second time works");
    await app.close();
  });
});
