import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { SignatureError } from "../src/core/errors.ts";
import { decodeEnvelope, encodeEnvelope, type Envelope } from "../src/core/envelope.ts";
import { replayedEnvelope } from "../src/core/dead_letters.ts";
import { PayloadSigner } from "../src/security/payload_signer.ts";
import { canonicalEnvelope } from "../src/security/canonical_envelope.ts";
import { generateKeys } from "../src/security/key_generation.ts";
import { bytesToBase64 } from "../src/security/base64.ts";
import { StemConfig } from "../src/config/stem_config.ts";

const SECRET_A = bytesToBase64(new TextEncoder().encode("a-very-secret-key-number-one!!"));
const SECRET_B = bytesToBase64(new TextEncoder().encode("another-secret-key-number-two!"));

function envelope(overrides: Partial<Envelope> = {}): Envelope {
  return {
    v: 1,
    id: "01J0000000000000000000TASK",
    name: "billing.charge",
    args: { amount: 42, customer: { id: "c1", tags: ["vip"] } },
    headers: { tenant: "acme" },
    meta: {},
    queue: "default",
    priority: 0,
    attempt: 0,
    maxRetries: 3,
    notBefore: null,
    expires: null,
    enqueuedAt: 1_700_000_000_000,
    ...overrides,
  };
}

async function reasonOf(signer: PayloadSigner, e: Envelope): Promise<string> {
  try {
    await signer.verify(e);
    return "valid";
  } catch (error) {
    assert.ok(error instanceof SignatureError, `expected SignatureError, got ${error}`);
    return error.reason;
  }
}

async function ed25519Signer(keyId: string) {
  const { env, workerEnv } = await generateKeys("ed25519", keyId);
  const producer = PayloadSigner.maybe(
    StemConfig.fromEnvironment({ STEM_BROKER_URL: "memory://", ...env }).signing,
  )!;
  const worker = PayloadSigner.maybe(
    StemConfig.fromEnvironment({ STEM_BROKER_URL: "memory://", ...workerEnv }).signing,
  )!;
  return { producer, worker, env, workerEnv };
}

describe("PayloadSigner", () => {
  test("HMAC-SHA256: signs with the active key id and verifies after a JSON round trip", async () => {
    const signer = new PayloadSigner({ keys: { k1: SECRET_A }, activeKeyId: "k1" });
    const signed = await signer.sign(envelope());
    assert.equal(signed.signature?.alg, "hmac-sha256");
    assert.equal(signed.signature?.kid, "k1");
    assert.equal(await reasonOf(signer, decodeEnvelope(encodeEnvelope(signed))), "valid");
  });

  test("Ed25519: a verify-only worker (public key only) accepts what the producer signed", async () => {
    const { producer, worker } = await ed25519Signer("ed1");
    assert.equal(producer.canSign, true);
    assert.equal(worker.canSign, false);
    const signed = await producer.sign(envelope());
    assert.equal(signed.signature?.alg, "ed25519");
    assert.equal(await reasonOf(worker, signed), "valid");
    await assert.rejects(() => worker.sign(envelope()), TypeError);
  });

  for (const algorithm of ["hmac-sha256", "ed25519"] as const) {
    test(`${algorithm}: tampering with any signed field is signature-invalid`, async () => {
      const { producer, worker } = algorithm === "hmac-sha256"
        ? { producer: new PayloadSigner({ keys: { k1: SECRET_A } }), worker: undefined }
        : await ed25519Signer("ed1");
      const verifier = worker ?? producer;
      const signed = await producer.sign(envelope());
      assert.equal(await reasonOf(verifier, signed), "valid");
      const tampered: Envelope[] = [
        { ...signed, args: { amount: 4200, customer: { id: "c1", tags: ["vip"] } } },
        { ...signed, name: "billing.refund" },
        { ...signed, headers: { tenant: "evil" } },
        { ...signed, queue: "priority" },
        { ...signed, maxRetries: 99 },
        { ...signed, meta: { injected: true } },
        { ...signed, expires: 1_800_000_000_000 },
      ];
      for (const e of tampered) assert.equal(await reasonOf(verifier, e), "signature-invalid");
    });
  }

  test("retries and dead-letter replays keep the signature valid (attempt and notBefore are not signed)", async () => {
    const signer = new PayloadSigner({ keys: { k1: SECRET_A } });
    const signed = await signer.sign(envelope());
    const retried = { ...signed, attempt: 2, notBefore: 1_700_000_060_000 };
    assert.equal(await reasonOf(signer, retried), "valid");
    assert.equal(
      await reasonOf(signer, replayedEnvelope(retried, 1_700_000_100_000, 500)),
      "valid",
    );
  });

  test("canonical form: sorted keys at every depth, no whitespace, absent equals top-level null", () => {
    const a = canonicalEnvelope(envelope({ args: { b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } } }));
    assert.ok(a.startsWith('{"args":{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1},"enqueuedAt":'));
    assert.ok(!/\s/.test(a));
    assert.ok(!a.includes('"attempt"') && !a.includes('"notBefore"') && !a.includes('"expires"'));
    const { expires: _expires, ...withoutExpires } = envelope();
    assert.equal(canonicalEnvelope(withoutExpires as Envelope), canonicalEnvelope(envelope()));
  });

  test("rotation: signs with the new active key, still verifies the old one", async () => {
    const old = new PayloadSigner({ keys: { k1: SECRET_A } });
    const rotated = new PayloadSigner({ keys: { k1: SECRET_A, k2: SECRET_B }, activeKeyId: "k2" });
    const before = await old.sign(envelope());
    const after = await rotated.sign(envelope());
    assert.equal(after.signature?.kid, "k2");
    assert.equal(await reasonOf(rotated, before), "valid");
    assert.equal(await reasonOf(rotated, after), "valid");
    assert.equal(await reasonOf(old, after), "unknown-key", "a worker not yet given k2");
  });

  test("missing, unknown-key, wrong secret, wrong algorithm and garbage signatures", async () => {
    const signer = new PayloadSigner({ keys: { k1: SECRET_A } });
    assert.equal(await reasonOf(signer, envelope()), "signature-missing");
    const lenient = new PayloadSigner({ keys: { k1: SECRET_A }, requireSignatures: false });
    assert.equal(await reasonOf(lenient, envelope()), "valid");
    const wrongSecret = await new PayloadSigner({ keys: { k1: SECRET_B } }).sign(envelope());
    assert.equal(await reasonOf(signer, wrongSecret), "signature-invalid");
    const otherKid = await new PayloadSigner({ keys: { k9: SECRET_A } }).sign(envelope());
    assert.equal(await reasonOf(signer, otherKid), "unknown-key");
    const signed = await signer.sign(envelope());
    const garbage = [
      { ...signed, signature: { ...signed.signature!, sig: "%%%not-base64" } },
      { ...signed, signature: { ...signed.signature!, sig: "" } },
      { ...signed, signature: { ...signed.signature!, alg: "ed25519" } },
      { ...signed, signature: { kid: 7 } as unknown as Envelope["signature"] },
    ];
    for (const e of garbage) assert.equal(await reasonOf(signer, e), "signature-invalid");
    const error = await signer.verify(otherKid).catch((e) => e);
    assert.equal(error.keyId, "k9");
    assert.match(error.message, /key "k9", which this worker does not trust/);
  });

  test("misuse throws at construction: short secret, active key not among keys, bad Ed25519 key", () => {
    assert.throws(() => new PayloadSigner({ keys: { k1: "c2hvcnQ=" } }), /at least 16/);
    assert.throws(() => new PayloadSigner({ keys: { k1: SECRET_A }, activeKeyId: "k2" }), /"k2"/);
    assert.throws(() => new PayloadSigner({ keys: { k1: "!!!" } }), /not valid base64/);
    assert.throws(
      () => new PayloadSigner({ algorithm: "ed25519", publicKeys: { e1: SECRET_A } }),
      /32 bytes/,
    );
    assert.throws(() => new PayloadSigner({ keys: {} }), /at least one key/);
    assert.equal(PayloadSigner.maybe(undefined), undefined);
  });
});

describe("Ed25519 backends", () => {
  test("native Web Crypto and @noble/ed25519 make identical signatures and accept each other's", async () => {
    const { Ed25519Scheme } = await import("../src/security/ed25519_scheme.ts");
    const { signAsync } = await import("@noble/ed25519");
    const seed = crypto.getRandomValues(new Uint8Array(32));
    const keys = new Map([["e1", seed]]);
    const native = new Ed25519Scheme(new Map(), keys, "e1");
    const noble = new Ed25519Scheme(new Map(), keys, "e1", { native: false });
    const data = new TextEncoder().encode(canonicalEnvelope(envelope()));
    const a = await native.sign(data);
    const b = await noble.sign(data);
    assert.deepEqual(a, b);
    assert.deepEqual(a, await signAsync(data, seed));
    assert.equal(await native.verify("e1", data, new Uint8Array(b)), true);
    assert.equal(await noble.verify("e1", data, new Uint8Array(a)), true);
    const bent = new Uint8Array(a);
    bent[10] ^= 1;
    assert.equal(await native.verify("e1", data, bent), false);
    assert.equal(await noble.verify("e1", data, bent), false);
  });
});
