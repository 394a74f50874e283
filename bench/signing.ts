// Cost of signing and verifying one envelope, and of the AES-GCM and gzip encoders.
// Run: node_modules/.bin/deno run -A bench/signing.ts  (or bun bench/signing.ts). One JSON object.
import { type Envelope, PayloadSigner } from "../mod.ts";
import { generateKeys } from "../src/security/key_generation.ts";
import { StemConfig } from "../src/config/stem_config.ts";
import { AesGcmPayloadEncoder } from "../src/producer/encoders/aes_gcm_encoder.ts";
import { gzipPayloadEncoder } from "../src/producer/encoders/gzip_encoder.ts";

const ROUNDS = 5;
const N = 2_000;

const envelope: Envelope = {
  v: 1,
  id: "01J0000000000000000000TASK",
  name: "billing.charge",
  args: { amount: 42, customer: { id: "c1", tags: ["vip", "eu"] }, note: "x".repeat(200) },
  headers: {
    tenant: "acme",
    traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  },
  meta: { requestedBy: "api" },
  queue: "default",
  priority: 0,
  attempt: 0,
  maxRetries: 3,
  notBefore: null,
  expires: null,
  enqueuedAt: 1_700_000_000_000,
};

async function opsPerSec(fn: () => Promise<unknown>): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const start = performance.now();
    for (let i = 0; i < N; i++) await fn();
    rates.push(N / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  return Math.round(rates[Math.floor(ROUNDS / 2)]);
}

const hmac = PayloadSigner.maybe(
  StemConfig.fromEnvironment({
    STEM_BROKER_URL: "memory://",
    ...(await generateKeys("hmac-sha256")).env,
  })
    .signing,
)!;
const edKeys = await generateKeys("ed25519");
const ed = PayloadSigner.maybe(
  StemConfig.fromEnvironment({ STEM_BROKER_URL: "memory://", ...edKeys.env }).signing,
)!;
const hmacSigned = await hmac.sign(envelope);
const edSigned = await ed.sign(envelope);
const aes = new AesGcmPayloadEncoder({ keys: { e1: crypto.getRandomValues(new Uint8Array(32)) } });
const sealed = await aes.encode(envelope.args);
const gz = await gzipPayloadEncoder.encode(envelope.args);

console.log(JSON.stringify({
  bench: "signing",
  runtime: "Deno" in globalThis ? "deno" : "bun",
  unit: "operations per second, median of 5 rounds of 2000",
  hmacSign: await opsPerSec(() => hmac.sign(envelope)),
  hmacVerify: await opsPerSec(() => hmac.verify(hmacSigned)),
  ed25519Sign: await opsPerSec(() => ed.sign(envelope)),
  ed25519Verify: await opsPerSec(() => ed.verify(edSigned)),
  aesGcmEncode: await opsPerSec(() => aes.encode(envelope.args)),
  aesGcmDecode: await opsPerSec(() => aes.decode(sealed)),
  gzipEncode: await opsPerSec(async () => await gzipPayloadEncoder.encode(envelope.args)),
  gzipDecode: await opsPerSec(async () => await gzipPayloadEncoder.decode(gz)),
}));
