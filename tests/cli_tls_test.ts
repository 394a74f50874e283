// STEM_TLS_* take effect in `stem worker`: a TLS-only Redis port with a self-signed certificate
// is reachable with STEM_TLS_CA_CERT (or STEM_TLS_ALLOW_INSECURE) and refused without.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StemApp } from "../mod.ts";
import {
  freePort,
  type RedisServer,
  redisSkipReason,
  startRedisServer,
} from "./helpers/redis_server.ts";
import { runCli, startCli } from "./helpers/cli_process.ts";

const dir = mkdtempSync(join(tmpdir(), "stem-cli-tls-"));
const cert = join(dir, "server.crt");
const key = join(dir, "server.key");

function makeCertificate(): void {
  const config = join(dir, "openssl.cnf");
  writeFileSync(
    config,
    "[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN=localhost\n" +
      "[ext]\nsubjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:TRUE\n",
  );
  execFileSync("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-keyout",
    key,
    "-out",
    cert,
    "-config",
    config,
  ], { stdio: "ignore" });
}

describe("stem worker with STEM_TLS_*", { skip: redisSkipReason() ?? false }, () => {
  let redis: RedisServer;
  let tlsUrl: string;

  before(async () => {
    makeCertificate();
    const tlsPort = await freePort();
    redis = await startRedisServer([
      "--tls-port",
      String(tlsPort),
      "--tls-cert-file",
      cert,
      "--tls-key-file",
      key,
      "--tls-ca-cert-file",
      cert,
      "--tls-auth-clients",
      "no",
    ]);
    // localhost, not 127.0.0.1: node-redis refuses an IP as the TLS server name (issue 9 #16).
    tlsUrl = `rediss://localhost:${tlsPort}`;
  });
  after(async () => {
    await redis?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test("without STEM_TLS_CA_CERT the self-signed server is refused: one line, exit 70", () => {
    const r = runCli(["worker", "tests/fixtures/cli_tasks.ts", "--broker", tlsUrl]);
    assert.equal(r.status, 70, r.stdout + r.stderr);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
    assert.match(r.stderr, /self[- ]signed certificate/);
    assert.doesNotMatch(r.stdout, /consuming/);
  });

  for (
    const [name, env] of [
      ["STEM_TLS_CA_CERT (a file path)", { STEM_TLS_CA_CERT: cert }],
      ["STEM_TLS_ALLOW_INSECURE=true", { STEM_TLS_ALLOW_INSECURE: "true" }],
    ] as const
  ) {
    test(`${name} lets the worker connect over TLS and run tasks`, async () => {
      const worker = startCli(["worker", "tests/fixtures/cli_tasks.ts", "--broker", tlsUrl], env);
      const producer = await StemApp.fromUrl(redis.url);
      try {
        const line = await worker.line(/consuming/);
        assert.match(line, new RegExp(`consuming default on ${tlsUrl.replace(/\./g, "\\.")}`));
        const id = await producer.stem.enqueue("cli.greet", { args: { name: "Tls" } });
        const result = await producer.stem.waitForTask<string>(id, { timeout: "20s" });
        assert.equal(result.isSucceeded, true, JSON.stringify(result.status));
        worker.child.kill("SIGTERM");
        await worker.exited;
      } finally {
        worker.kill();
        await producer.close();
      }
    });
  }
});
