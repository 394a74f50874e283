// TLS: `?sslmode=require` in the URL and `tls` options with a CA reach a TLS-only PostgreSQL.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PostgresBroker } from "../adapters/postgres/mod.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";

const skip = postgresSkipReason();
const dir = mkdtempSync(join(tmpdir(), "stem-pg-tls-"));
let server: PostgresServer;

function makeCertificate(): { cert: string; key: string } {
  const cert = join(dir, "server.crt");
  const key = join(dir, "server.key");
  const config = join(dir, "openssl.cnf");
  writeFileSync(
    config,
    "[req]\ndistinguished_name=dn\nx509_extensions=ext\nprompt=no\n[dn]\nCN=127.0.0.1\n" +
      "[ext]\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:TRUE\n",
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
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    for (const path of [dir, cert, key]) chownSync(path, uid, gid);
  }
  chmodSync(key, 0o600);
  return { cert, key };
}

let cert = "";
before(async () => {
  if (skip) return;
  const files = makeCertificate();
  cert = files.cert;
  server = await startPostgres({
    settings: { ssl: "on", ssl_cert_file: files.cert, ssl_key_file: files.key },
  });
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function usesTls(broker: PostgresBroker): Promise<boolean> {
  const [row] = await broker.sql.unsafe(
    "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
  );
  return row.ssl === true;
}

describe("PostgreSQL over TLS", { skip }, () => {
  test("?sslmode=require encrypts the connection", async () => {
    const broker = await PostgresBroker.connect(`${server.url}?sslmode=require`, {
      namespace: "tls_url",
    });
    assert.equal(await usesTls(broker), true);
    await broker.close();
  });

  test("tls options verify the server against a CA", async () => {
    const broker = await PostgresBroker.connect(server.url, {
      namespace: "tls_ca",
      tls: { ca: readFileSync(cert, "utf8"), rejectUnauthorized: true },
    });
    assert.equal(await usesTls(broker), true);
    await broker.close();
  });

  test("without TLS the connection is plain", async () => {
    const broker = await PostgresBroker.connect(server.url, { namespace: "tls_off" });
    assert.equal(await usesTls(broker), false);
    await broker.close();
  });
});
