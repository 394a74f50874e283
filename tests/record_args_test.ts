// recordArgs: a copy of the arguments on every status (for the dashboard and `stem task show`),
// bounded in size, never the plaintext of an encoded payload; off by default.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FunctionTaskHandler, gzipPayloadEncoder, StemApp } from "../mod.ts";
import { stemDashboard } from "../src/dashboard/mod.ts";

function openApp(recordArgs?: boolean | { maxBytes?: number }): Promise<StemApp> {
  return StemApp.inMemory({
    recordArgs,
    encoders: [gzipPayloadEncoder],
    tasks: [new FunctionTaskHandler({ name: "ra.echo", entrypoint: (_ctx, args) => args })],
  });
}

test("recordArgs keeps the arguments on the statuses the worker writes", async () => {
  const app = await openApp(true);
  try {
    const id = await app.stem.enqueue("ra.echo", { args: { order: 42, note: "<b>hi</b>" } });
    const done = await app.stem.waitForTask(id, { timeout: "10s" });
    assert.equal(done.state, "succeeded");
    const status = await app.stem.getTaskStatus(id);
    assert.deepEqual(status?.meta["stem.args"], { order: 42, note: "<b>hi</b>" });

    const dash = stemDashboard(app, { auth: false });
    const page = await (await dash.request(`/tasks/${id}`)).text();
    assert.match(page, /Arguments \(recorded\)/);
    assert.match(page, /&lt;b&gt;hi&lt;\/b&gt;/, "escaped");
    assert.doesNotMatch(page, /<b>hi<\/b>/);
  } finally {
    await app.close();
  }
});

test("large arguments are kept as a bounded preview, encoded ones as the encoder id only", async () => {
  const app = await openApp({ maxBytes: 64 });
  try {
    const big = await app.stem.enqueue("ra.echo", { args: { blob: "x".repeat(500) } });
    const secret = await app.stem.enqueue("ra.echo", {
      args: { card: "4111-1111" },
      enqueueOptions: { compression: "gzip" },
    });
    for (const id of [big, secret]) {
      assert.equal((await app.stem.waitForTask(id, { timeout: "10s" })).state, "succeeded");
    }
    const kept = (await app.stem.getTaskStatus(big))?.meta["stem.args"] as Record<string, unknown>;
    assert.equal(kept.truncated, true);
    assert.equal(kept.bytes, JSON.stringify({ blob: "x".repeat(500) }).length);
    assert.ok((kept.preview as string).length <= 256);
    const encoded = (await app.stem.getTaskStatus(secret))?.meta["stem.args"];
    assert.deepEqual(encoded, { encoded: "gzip" });
  } finally {
    await app.close();
  }
});

test("without recordArgs no status carries the arguments", async () => {
  const app = await openApp();
  try {
    const id = await app.stem.enqueue("ra.echo", { args: { order: 7 } });
    await app.stem.waitForTask(id, { timeout: "10s" });
    assert.equal((await app.stem.getTaskStatus(id))?.meta["stem.args"], undefined);
  } finally {
    await app.close();
  }
});
