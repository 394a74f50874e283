// A dead letter of a malformed broker entry keeps the raw entry: whole up to 64 Ki characters,
// else its first 64 Ki characters marked `stem.rawTruncated` with the original length.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type InMemoryBroker, StemApp } from "../mod.ts";
import { type Envelope, malformedEnvelope, MAX_RAW_ENTRY_LENGTH } from "../src/core/envelope.ts";
import { MetaKey } from "../src/core/meta_keys.ts";
import { NodeSqliteDriver } from "../adapters/sqlite/drivers/node_sqlite.ts";
import { queueKeys } from "../adapters/redis/keys.ts";
import { TcpTransport } from "../adapters/redis/tcp/tcp_transport.ts";
import { redisSkipReason, startRedisServer } from "./helpers/redis_server.ts";

const dir = mkdtempSync(join(tmpdir(), "stem-raw-entry-"));
const redisSkip = redisSkipReason();
const redis = redisSkip ? null : await startRedisServer();
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await redis?.stop();
});

/** Text that is not JSON, `length` characters long, with no two 1 KiB stretches alike. */
function garbage(length: number): string {
  let text = "{not json ";
  for (let i = 0; text.length < length; i++) text += `chunk ${i} `.padEnd(1024, "~");
  return text.slice(0, length);
}

/** Resolves once the app has rejected (and so dead-lettered) `count` deliveries. */
function rejections(app: StemApp, count: number): Promise<void> {
  let seen = 0;
  return new Promise((resolve) => {
    const stop = app.signals.taskRejected.connect(() => {
      if (++seen === count) {
        stop();
        resolve();
      }
    });
  });
}

function assertKeptWhole(envelope: Envelope, raw: string): void {
  assert.equal(envelope.meta[MetaKey.raw], raw);
  assert.equal(envelope.meta[MetaKey.rawTruncated], undefined);
  assert.equal(envelope.meta[MetaKey.rawLength], undefined);
}

function assertCut(envelope: Envelope, raw: string): void {
  assert.equal(envelope.meta[MetaKey.raw], raw.slice(0, MAX_RAW_ENTRY_LENGTH));
  assert.equal(envelope.meta[MetaKey.rawTruncated], true);
  assert.equal(envelope.meta[MetaKey.rawLength], raw.length);
}

describe("malformedEnvelope", () => {
  test("keeps an entry of up to 64 Ki characters whole, unmarked", () => {
    const raw = garbage(MAX_RAW_ENTRY_LENGTH);
    assertKeptWhole(malformedEnvelope("id", "default", raw, 0), raw);
    assert.equal(MAX_RAW_ENTRY_LENGTH, 65_536);
  });

  test("cuts a longer entry at 64 Ki characters and records that it did and the length", () => {
    const raw = garbage(MAX_RAW_ENTRY_LENGTH + 1);
    assertCut(malformedEnvelope("id", "default", raw, 0), raw);
  });

  test("never ends the kept text on half a surrogate pair", () => {
    const raw = `${"x".repeat(MAX_RAW_ENTRY_LENGTH - 1)}😀tail`;
    const kept = malformedEnvelope("id", "default", raw, 0).meta[MetaKey.raw] as string;
    assert.equal(kept, "x".repeat(MAX_RAW_ENTRY_LENGTH - 1));
    assert.equal(malformedEnvelope("id", "default", raw, 0).meta[MetaKey.rawLength], raw.length);
  });
});

describe("a malformed entry's dead letter keeps the raw entry", () => {
  test("on memory: a 60 KiB entry whole, a 100 KiB one cut at 64 Ki and marked", async () => {
    const app = await StemApp.inMemory({ tasks: [] });
    await app.start();
    const broker = app.broker as InMemoryBroker;
    const small = garbage(60 * 1024);
    const large = garbage(100 * 1024);
    const rejected = rejections(app, 2);
    await broker.publishRaw("default", small);
    await broker.publishRaw("default", large);
    await rejected;
    const page = await app.deadLetters.listDeadLetters("default");
    const [first, second] = page.entries.map((e) => e.envelope).reverse();
    assertKeptWhole(first, small);
    assertCut(second, large);
    await app.close();
  });

  test("on SQLite: rows written straight into the jobs table by another producer", async () => {
    const file = join(dir, "raw.db");
    const app = await StemApp.sqlite(file, { tasks: [] });
    const small = garbage(60 * 1024);
    const large = garbage(100 * 1024);
    const db = new NodeSqliteDriver(file);
    db.exec("PRAGMA busy_timeout = 5000");
    const insert =
      "INSERT INTO stem_jobs (queue, task_id, priority, visible_at, envelope) VALUES (?, ?, 0, ?, ?)";
    db.run(insert, ["default", "raw-small", 0, small]);
    db.run(insert, ["default", "raw-large", 0, large]);
    db.close();
    const rejected = rejections(app, 2);
    await app.start();
    await rejected;
    const smallEntry = await app.deadLetters.getDeadLetter("default", "raw-small");
    const largeEntry = await app.deadLetters.getDeadLetter("default", "raw-large");
    assert.ok(smallEntry && largeEntry, "both dead letters found by task id");
    assert.equal(smallEntry.reason, "malformed-envelope");
    assertKeptWhole(smallEntry.envelope, small);
    assert.equal(largeEntry.reason, "malformed-envelope");
    assertCut(largeEntry.envelope, large);
    await app.close();
  });

  test("on Redis: stream entries written straight into the queue's stream", {
    skip: redisSkip ?? undefined,
  }, async () => {
    const namespace = `raw${Math.random().toString(36).slice(2, 10)}`;
    const app = await StemApp.fromUrl(redis!.url, { tasks: [], connect: { namespace } });
    const side = await TcpTransport.connect(redis!.url, { onError: () => {} });
    const small = garbage(60 * 1024);
    const large = garbage(100 * 1024);
    const stream = queueKeys(namespace, "default").bands[0];
    await side.command(["XADD", stream, "*", "e", small]);
    await side.command(["XADD", stream, "*", "e", large]);
    const rejected = rejections(app, 2);
    await app.start();
    await rejected;
    const page = await app.deadLetters.listDeadLetters("default");
    assert.deepEqual(page.entries.map((e) => e.reason), [
      "malformed-envelope",
      "malformed-envelope",
    ]);
    const [first, second] = page.entries.map((e) => e.envelope).reverse();
    assertKeptWhole(first, small);
    assertCut(second, large);
    await side.close();
    await app.close();
  });
});
