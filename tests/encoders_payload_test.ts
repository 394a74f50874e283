import { describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  type Envelope,
  FunctionTaskHandler,
  type JsonValue,
  type TaskPayloadEncoder,
} from "../mod.ts";
import { gzipPayloadEncoder } from "../src/producer/encoders/gzip_encoder.ts";
import { AesGcmPayloadEncoder } from "../src/producer/encoders/aes_gcm_encoder.ts";
import { PayloadDecodeError } from "../src/producer/encoders/payload_decode_error.ts";
import { PayloadSigner } from "../src/security/payload_signer.ts";
import { fakeTimeApp } from "./helpers/app.ts";

const KEY_1 = new Uint8Array(32).fill(1);
const KEY_2 = new Uint8Array(32).fill(2);
const SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";

/** Wraps an encoder under a new id and counts its calls. */
function counting(inner: TaskPayloadEncoder, id: string) {
  const calls = { encode: 0, decode: 0 };
  const encoder: TaskPayloadEncoder = {
    id,
    encode: (value: unknown) => {
      calls.encode++;
      return inner.encode(value);
    },
    decode: (value: JsonValue) => {
      calls.decode++;
      return inner.decode(value);
    },
  };
  return { encoder, calls };
}

describe("gzip payload encoder", () => {
  test("round-trips JSON and shrinks repetitive payloads", async () => {
    const value = { rows: Array.from({ length: 500 }, (_, i) => ({ i, status: "unchanged" })) };
    const packed = await gzipPayloadEncoder.encode(value);
    assert.equal(typeof packed, "string");
    assert.ok((packed as string).length < JSON.stringify(value).length / 5);
    assert.deepEqual(await gzipPayloadEncoder.decode(packed), value);
    assert.equal(await gzipPayloadEncoder.decode(await gzipPayloadEncoder.encode(undefined)), null);
  });

  test("corrupt input fails with PayloadDecodeError", async () => {
    await assert.rejects(
      () => Promise.resolve(gzipPayloadEncoder.decode("AAAA")),
      PayloadDecodeError,
    );
    await assert.rejects(() => Promise.resolve(gzipPayloadEncoder.decode(42)), PayloadDecodeError);
  });
});

describe("AES-GCM payload encoder", () => {
  test("encrypts with a fresh IV and records the key id", async () => {
    const aes = new AesGcmPayloadEncoder({ keys: { e1: KEY_1 } });
    const a = await aes.encode({ card: "4111 1111 1111 1111" }) as Record<string, string>;
    const b = await aes.encode({ card: "4111 1111 1111 1111" }) as Record<string, string>;
    assert.equal(a.kid, "e1");
    assert.notEqual(a.iv, b.iv);
    assert.notEqual(a.ct, b.ct);
    assert.ok(!JSON.stringify(a).includes("4111"));
    assert.deepEqual(await aes.decode(a), { card: "4111 1111 1111 1111" });
  });

  test("rotation: encrypts with the active key, decrypts with any configured key", async () => {
    const old = new AesGcmPayloadEncoder({ keys: { e1: KEY_1 } });
    const rotated = new AesGcmPayloadEncoder({ keys: { e1: KEY_1, e2: KEY_2 }, activeKeyId: "e2" });
    const before = await old.encode("before");
    const after = await rotated.encode("after") as Record<string, string>;
    assert.equal(after.kid, "e2");
    assert.equal(await rotated.decode(before), "before");
    await assert.rejects(() => old.decode(after), /key "e2", which is not configured/);
  });

  test("tampering, a wrong key or a bad shape fails with PayloadDecodeError", async () => {
    const aes = new AesGcmPayloadEncoder({ keys: { e1: KEY_1 } });
    const sealed = await aes.encode({ n: 1 }) as Record<string, string>;
    const flipped = sealed.ct.startsWith("A") ? "B" + sealed.ct.slice(1) : "A" + sealed.ct.slice(1);
    await assert.rejects(() => aes.decode({ ...sealed, ct: flipped }), PayloadDecodeError);
    const impostor = new AesGcmPayloadEncoder({ keys: { e1: KEY_2 } });
    await assert.rejects(() => impostor.decode(sealed), /altered or the key is wrong/);
    await assert.rejects(() => aes.decode("nope"), PayloadDecodeError);
    assert.throws(
      () => new AesGcmPayloadEncoder({ keys: { e1: new Uint8Array(10) } }),
      /16, 24 or 32/,
    );
    assert.throws(
      () => new AesGcmPayloadEncoder({ keys: { e1: KEY_1, e2: KEY_2 } }),
      /active key/,
    );
  });
});

describe("Encoders in the task pipeline", () => {
  test("per-task AES-GCM: ciphertext on the broker and in the backend, plaintext to the handler and caller", async () => {
    const aes = new AesGcmPayloadEncoder({ keys: { e1: KEY_1 } });
    const seen: unknown[] = [];
    const task = new FunctionTaskHandler({
      name: "vault.store",
      metadata: { argsEncoder: "aes-gcm", resultEncoder: "aes-gcm" },
      entrypoint: (_ctx, args: { secret: string }) => {
        seen.push(args);
        return { stored: args.secret.toUpperCase() };
      },
    });
    const { app } = await fakeTimeApp({ tasks: [task], encoders: [aes] });
    const published = app.signals.afterTaskPublish.next();
    const id = await app.stem.enqueue("vault.store", { args: { secret: "s3cr3t" } });
    const envelope: Envelope = (await published).envelope;
    assert.equal(envelope.encoder, "aes-gcm");
    assert.ok(!JSON.stringify(envelope).includes("s3cr3t"));
    const result = await app.stem.waitForTask<{ stored: string }>(id, { timeout: "5s" });
    assert.deepEqual(result.value, { stored: "S3CR3T" });
    assert.deepEqual(seen, [{ secret: "s3cr3t" }]);
    const status = await app.backend.get(id);
    assert.equal(status?.encoder, "aes-gcm");
    assert.ok(!JSON.stringify(status?.result).includes("S3CR3T"));
    await app.close();
  });

  test("enqueueOptions.compression gzips the args of one call; it will not replace an encryption encoder", async () => {
    const task = new FunctionTaskHandler({
      name: "report.build",
      entrypoint: (_ctx, args: { rows: number[] }) => args.rows.length,
    });
    const secret = new FunctionTaskHandler({
      name: "secret.task",
      metadata: { argsEncoder: "aes-gcm" },
      entrypoint: () => null,
    });
    const aes = new AesGcmPayloadEncoder({ keys: { e1: KEY_1 } });
    const { app } = await fakeTimeApp({
      tasks: [task, secret],
      encoders: [gzipPayloadEncoder, aes],
    });
    const published = app.signals.afterTaskPublish.next();
    const rows = Array.from({ length: 1000 }, () => 7);
    const id = await app.stem.enqueue("report.build", {
      args: { rows },
      enqueueOptions: { compression: "gzip" },
    });
    assert.equal((await published).envelope.encoder, "gzip");
    assert.equal((await app.stem.waitForTask(id, { timeout: "5s" })).value, 1000);
    await assert.rejects(
      () => app.stem.enqueue("secret.task", { enqueueOptions: { compression: "gzip" } }),
      /cannot be combined with the "aes-gcm" args encoder/,
    );
    await app.close();
  });

  test("with signing on, each encoder runs exactly once each way", async () => {
    const args = counting(gzipPayloadEncoder, "count-args");
    const result = counting(new AesGcmPayloadEncoder({ keys: { e1: KEY_1 } }), "count-result");
    const task = new FunctionTaskHandler({
      name: "count.me",
      metadata: { argsEncoder: "count-args", resultEncoder: "count-result" },
      entrypoint: (_ctx, a: { n: number }) => a.n + 1,
    });
    const { app } = await fakeTimeApp({
      tasks: [task],
      encoders: [args.encoder, result.encoder],
      signer: new PayloadSigner({ keys: { k1: SECRET } }),
    });
    const id = await app.stem.enqueue("count.me", { args: { n: 41 } });
    const done = await app.stem.waitForTask<number>(id, { timeout: "5s" });
    assert.equal(done.value, 42);
    assert.equal((await app.backend.get(id))?.encoder, "count-result");
    assert.deepEqual(args.calls, { encode: 1, decode: 1 });
    assert.deepEqual(result.calls, { encode: 1, decode: 1 });
    await app.close();
  });
});
