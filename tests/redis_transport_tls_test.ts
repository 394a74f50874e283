// rediss:// to an IP address: no IP goes out as SNI (Deno refuses one), and the certificate is
// still verified against its IP SAN.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TcpTransport } from "../adapters/redis/tcp/tcp_transport.ts";
import { toClientOptions } from "../adapters/redis/tcp/client_options.ts";
import { freePort, redisSkipReason } from "./helpers/redis_server.ts";

const skip = redisSkipReason();
let dir = "";
let child: ChildProcess | undefined;
let url = "";
let ca = "";

function openssl(args: string[]): void {
  const r = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.stderr}`);
}

/** A CA and a server certificate for IP 127.0.0.1 only (no DNS name). */
function makeCertificates(): void {
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt"]
    .concat(["-days", "2", "-subj", "/CN=stem-test-ca"]));
  openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr"]
    .concat(["-subj", "/CN=stem-test-server"]));
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1\n");
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key"]
    .concat(["-CAcreateserial", "-out", "server.crt", "-days", "2", "-extfile", "san.ext"]));
  ca = readFileSync(join(dir, "ca.crt"), "utf8");
}

async function connectWhenUp(): Promise<TcpTransport> {
  for (let attempt = 0;; attempt++) {
    try {
      return await TcpTransport.connect(url, { tls: { ca } });
    } catch (error) {
      if ((error as { code?: string }).code !== "connection-failed" || attempt > 250) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

describe("rediss:// to an IP address", { skip: skip ?? undefined }, () => {
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "stem-redis-tls-"));
    makeCertificates();
    const port = await freePort();
    child = spawn("redis-server", [
      ...["--port", "0", "--tls-port", String(port), "--bind", "127.0.0.1", "--dir", dir],
      ...["--tls-cert-file", "server.crt", "--tls-key-file", "server.key"],
      ...["--tls-ca-cert-file", "ca.crt", "--tls-auth-clients", "no", "--save", ""],
      ...["--appendonly", "no", "--logfile", "", "--loglevel", "warning"],
    ], { cwd: dir, stdio: "ignore" });
    url = `rediss://127.0.0.1:${port}`;
  });
  after(() => {
    child?.kill("SIGKILL");
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("no servername is set for an IP host; a DNS host keeps its name", () => {
    const socket = (u: string) =>
      toClientOptions(u, {
        connectTimeout: 1_000,
        reconnectStrategy: () => 0,
      }).socket as Record<string, unknown>;
    assert.equal(socket("rediss://127.0.0.1:6380").servername, undefined);
    assert.equal(socket("rediss://[::1]:6380").servername, undefined);
    assert.equal(socket("rediss://redis.example.com:6380").servername, "redis.example.com");
  });

  test("connects over TLS to 127.0.0.1 and verifies the certificate's IP SAN", async () => {
    const transport = await connectWhenUp();
    try {
      assert.equal(await transport.command(["PING"]), "PONG");
    } finally {
      await transport.close();
    }
  });

  test("a certificate from another CA is still refused", async () => {
    await connectWhenUp().then((t) => t.close());
    const other = mkdtempSync(join(tmpdir(), "stem-redis-tls-other-"));
    try {
      spawnSync("openssl", [
        ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "o.key", "-out", "o.crt"],
        ...["-days", "2", "-subj", "/CN=other"],
      ], { cwd: other });
      const otherCa = readFileSync(join(other, "o.crt"), "utf8");
      await assert.rejects(
        TcpTransport.connect(url, { tls: { ca: otherCa } }),
        (e: Error & { code?: string }) => {
          assert.equal(e.code, "connection-failed");
          return true;
        },
      );
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
