import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeEnvelope,
  encodeEnvelope,
  FunctionTaskHandler,
  type InMemoryBroker,
  StemApp,
} from "../mod.ts";
import { testEnvelope } from "../src/testing/mod.ts";

const base = () => JSON.parse(encodeEnvelope(testEnvelope())) as Record<string, unknown>;

describe("decodeEnvelope() checks every field another producer may have written", () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ["link a string", { link: "abc" }, /"link" must be an array/],
    ["link [null]", { link: [null] }, /"link\[0\]" must be an object, got null/],
    ["link [{ name: 5 }]", { link: [{ name: 5 }] }, /"link\[0\]\.name" must be a non-empty string/],
    ["linkError an object", { linkError: { name: "x" } }, /"linkError" must be an array/],
    ["a link's queue invalid", { link: [{ name: "x", queue: "a b" }] }, /"link\[0\]\.queue"/],
    ["queue with a brace", { queue: "q{1}" }, /"queue" must be a valid queue name/],
    ["priority 12", { priority: 12 }, /"priority" must be an integer from 0 to 9/],
    ["maxRetries -1", { maxRetries: -1 }, /"maxRetries" must be an integer 0 or more/],
    ["retryPolicy a string", { retryPolicy: "x" }, /"retryPolicy" must be an object/],
    ["retryPolicy delay a string", { retryPolicy: { defaultDelay: "2s" } }, /defaultDelay/],
    ["timeLimits.hard a string", { timeLimits: { hard: "1s" } }, /"timeLimits\.hard"/],
    ["visibilityTimeout negative", { visibilityTimeout: -5 }, /"visibilityTimeout"/],
    ["a header not a string", { headers: { a: 1 } }, /"headers\.a" must be a string/],
    ["parentId a number", { parentId: 3 }, /"parentId" must be a non-empty string/],
  ];
  for (const [label, patch, message] of cases) {
    test(`${label} is malformed-envelope naming the field`, () => {
      assert.throws(
        () => decodeEnvelope(JSON.stringify({ ...base(), ...patch })),
        (e: Error & { code?: string }) =>
          e.name === "EnvelopeError" && e.code === "malformed-envelope" && message.test(e.message),
      );
    });
  }

  test("a valid envelope with every optional field still round-trips", () => {
    const e = testEnvelope({
      link: [{ name: "next", args: { a: 1 }, headers: { h: "v" }, meta: {}, queue: "q.1" }],
      linkError: [],
      retryPolicy: { backoff: true, defaultDelay: 100, backoffMax: 1_000, jitter: false },
      timeLimits: { soft: 1, hard: 2 },
      visibilityTimeout: 30_000,
      parentId: "p",
      rootId: "r",
      ignoreResult: true,
    });
    assert.deepEqual(decodeEnvelope(encodeEnvelope(e)), e);
  });

  test("a worker dead-letters a malformed link as malformed-envelope and never runs it", async () => {
    let runs = 0;
    const app = await StemApp.inMemory({
      tasks: [new FunctionTaskHandler({ name: "contract.task", entrypoint: () => runs++ })],
    });
    await app.start();
    const rejected = app.signals.taskRejected.next();
    await (app.broker as InMemoryBroker).publishRaw(
      "default",
      JSON.stringify({ ...base(), link: [null] }),
    );
    const event = await rejected;
    assert.equal(event.reason, "malformed-envelope");
    assert.match(event.message, /"link\[0\]"/);
    const { entries } = await app.deadLetters.listDeadLetters("default");
    assert.equal(entries.length, 1);
    assert.equal(entries[0].reason, "malformed-envelope");
    assert.equal(runs, 0);
    await app.close();
  });
});
