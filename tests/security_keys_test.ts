import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { StemConfig } from "../src/config/stem_config.ts";
import { PayloadSigner } from "../src/security/payload_signer.ts";
import { AesGcmPayloadEncoder } from "../src/producer/encoders/aes_gcm_encoder.ts";
import { scriptCommand } from "./helpers/runtime.ts";
import { testEnvelope } from "../src/testing/test_values.ts";

function stem(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const [cmd, base] = scriptCommand("workers/cli.ts");
  const r = spawnSync(cmd, [...base, ...args], { encoding: "utf8" });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function envSections(stdout: string): Record<string, string>[] {
  return stdout.split(/\n\s*\n/).map((section) =>
    Object.fromEntries(
      section.split("\n").filter((l) => l.startsWith("STEM_")).map((l) => {
        const i = l.indexOf("=");
        return [l.slice(0, i), l.slice(i + 1)];
      }),
    )
  );
}

const envelope = testEnvelope({ id: "t1", name: "n", args: { x: 1 }, enqueuedAt: 0 });

describe("stem keys generate", () => {
  test("--algorithm ed25519 prints producer lines and verify-only worker lines that work", async () => {
    const out = stem(["keys", "generate", "--algorithm", "ed25519", "--key-id", "ed-1"]);
    assert.equal(out.status, 0, out.stderr);
    const [producerEnv, workerEnv] = envSections(out.stdout);
    assert.equal(producerEnv.STEM_SIGNING_ACTIVE_KEY, "ed-1");
    assert.equal(workerEnv.STEM_SIGNING_PRIVATE_KEYS, undefined);
    const config = (env: Record<string, string>) =>
      StemConfig.fromEnvironment({ STEM_BROKER_URL: "memory://", ...env }).signing;
    const producer = PayloadSigner.maybe(config(producerEnv))!;
    const worker = PayloadSigner.maybe(config(workerEnv))!;
    await worker.verify(await producer.sign(envelope));
  });

  test("--algorithm hmac-sha256 and aes-gcm print usable lines", async () => {
    const hmac = stem(["keys", "generate", "--algorithm", "hmac-sha256"]);
    assert.equal(hmac.status, 0, hmac.stderr);
    const [env] = envSections(hmac.stdout);
    const signer = PayloadSigner.maybe(
      StemConfig.fromEnvironment({ STEM_BROKER_URL: "memory://", ...env }).signing,
    )!;
    await signer.verify(await signer.sign(envelope));
    const aes = stem(["keys", "generate", "--algorithm=aes-gcm", "--key-id", "e1"]);
    const [aesEnv] = envSections(aes.stdout);
    const config = StemConfig.fromEnvironment({ STEM_BROKER_URL: "memory://", ...aesEnv });
    const encoder = AesGcmPayloadEncoder.maybe(config.encryption)!;
    assert.equal(await encoder.decode(await encoder.encode("hi")), "hi");
  });

  test("an unknown algorithm is a usage error (exit 64)", () => {
    const out = stem(["keys", "generate", "--algorithm", "rsa"]);
    assert.equal(out.status, 64);
    assert.match(out.stderr, /Unknown algorithm "rsa"/);
  });
});
