import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { StemConfig } from "../src/config/stem_config.ts";
import { ConfigError } from "../src/config/config_error.ts";
import { PayloadSigner } from "../src/security/payload_signer.ts";
import { AesGcmPayloadEncoder } from "../src/producer/encoders/aes_gcm_encoder.ts";
import { generateKeys } from "../src/security/key_generation.ts";

const SECRET = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0IQ==";
const BROKER = { STEM_BROKER_URL: "redis://:hunter2@localhost:6379/0" };

function failsOn(env: Record<string, string>, variable: string, pattern?: RegExp): void {
  assert.throws(
    () => StemConfig.fromEnvironment({ ...BROKER, ...env }),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError, `expected ConfigError, got ${error}`);
      assert.equal(error.variable, variable);
      assert.ok(error.message.startsWith(variable), error.message);
      if (pattern) assert.match(error.message, pattern);
      assert.ok(!error.message.includes(SECRET), "key material never appears in errors");
      return true;
    },
  );
}

describe("StemConfig.fromEnvironment()", () => {
  test("reads every STEM_* variable from a plain record (a Workers env)", () => {
    const config = StemConfig.fromEnvironment({
      ...BROKER,
      STEM_RESULT_BACKEND_URL: "postgres://stem@localhost/stem",
      STEM_DEFAULT_QUEUE: "jobs",
      STEM_PREFETCH_MULTIPLIER: "4",
      STEM_WORKER_QUEUES: " default, emails ,,",
      STEM_SIGNING_KEYS: `k1:${SECRET}`,
      STEM_TLS_CA_CERT: "/etc/ssl/ca.pem",
      STEM_TLS_CLIENT_CERT: "/etc/ssl/client.pem",
      STEM_TLS_CLIENT_KEY: "/etc/ssl/client.key",
      STEM_TLS_ALLOW_INSECURE: "false",
      UNRELATED_BINDING: { kv: true } as unknown as string,
    });
    assert.equal(config.brokerUrl, BROKER.STEM_BROKER_URL);
    assert.equal(config.resultBackendUrl, "postgres://stem@localhost/stem");
    assert.equal(config.defaultQueue, "jobs");
    assert.equal(config.prefetchMultiplier, 4);
    assert.deepEqual(config.workerQueues, ["default", "emails"]);
    assert.equal(config.signing?.algorithm, "hmac-sha256");
    assert.equal(config.signing?.activeKeyId, "k1");
    assert.equal(config.signing?.requireSignatures, true);
    assert.deepEqual(config.tls, {
      caCert: "/etc/ssl/ca.pem",
      clientCert: "/etc/ssl/client.pem",
      clientKey: "/etc/ssl/client.key",
      allowInsecure: false,
    });
    assert.ok(PayloadSigner.maybe(config.signing)?.canSign);
    const summary = JSON.stringify(config);
    assert.ok(!summary.includes("hunter2") && !summary.includes(SECRET), summary);
  });

  test("defaults: backend = broker, queue default, prefetch 2, signing/encryption/TLS off", () => {
    const config = StemConfig.fromEnvironment({ STEM_BROKER_URL: "memory://" });
    assert.equal(config.resultBackendUrl, "memory://");
    assert.equal(config.defaultQueue, "default");
    assert.equal(config.prefetchMultiplier, 2);
    assert.equal(config.workerQueues, undefined);
    assert.equal(config.signing, undefined);
    assert.equal(PayloadSigner.maybe(config.signing), undefined);
    assert.equal(config.encryption, undefined);
    assert.equal(config.tls, undefined);
  });

  test("STEM_SIGNING_REQUIRED=false lets workers accept unsigned envelopes while signing rolls out", () => {
    const config = StemConfig.fromEnvironment({
      ...BROKER,
      STEM_SIGNING_KEYS: `k1:${SECRET}`,
      STEM_SIGNING_REQUIRED: "false",
    });
    assert.equal(PayloadSigner.maybe(config.signing)?.requireSignatures, false);
  });

  test("reads through get(name), as Deno.env offers it", () => {
    const vars = new Map([["STEM_BROKER_URL", "memory://"], ["STEM_DEFAULT_QUEUE", "q"]]);
    const config = StemConfig.fromEnvironment({ get: (name: string) => vars.get(name) });
    assert.equal(config.defaultQueue, "q");
  });

  test("Ed25519 keys from generated env lines; a worker with only the public key cannot sign", async () => {
    const { env, workerEnv } = await generateKeys("ed25519", "ed-2025");
    const producer = StemConfig.fromEnvironment({ ...BROKER, ...env });
    const worker = StemConfig.fromEnvironment({ ...BROKER, ...workerEnv });
    assert.equal(producer.signing?.activeKeyId, "ed-2025");
    assert.equal(PayloadSigner.maybe(producer.signing)?.canSign, true);
    assert.equal(PayloadSigner.maybe(worker.signing)?.canSign, false);
  });

  test("AES-GCM keys: STEM_ENCRYPTION_KEYS and STEM_ENCRYPTION_ACTIVE_KEY", async () => {
    const { env } = await generateKeys("aes-gcm", "e1");
    const config = StemConfig.fromEnvironment({ ...BROKER, ...env });
    assert.equal(AesGcmPayloadEncoder.maybe(config.encryption)?.activeKeyId, "e1");
    failsOn({ STEM_ENCRYPTION_KEYS: `e1:${SECRET}` }, "STEM_ENCRYPTION_KEYS", /AES keys are 16/);
    failsOn({ ...env, STEM_ENCRYPTION_ACTIVE_KEY: "e2" }, "STEM_ENCRYPTION_ACTIVE_KEY", /"e2"/);
  });

  test("misconfiguration throws at start-up naming the variable", () => {
    failsOn({ STEM_BROKER_URL: "" }, "STEM_BROKER_URL", /is not set/);
    failsOn({ STEM_BROKER_URL: "not a url" }, "STEM_BROKER_URL", /is not a URL/);
    failsOn({ STEM_RESULT_BACKEND_URL: "::" }, "STEM_RESULT_BACKEND_URL");
    failsOn({ STEM_PREFETCH_MULTIPLIER: "0" }, "STEM_PREFETCH_MULTIPLIER", /at least 1/);
    failsOn({ STEM_PREFETCH_MULTIPLIER: "2.5" }, "STEM_PREFETCH_MULTIPLIER");
    failsOn({ STEM_SIGNING_ALGORITHM: "rsa" }, "STEM_SIGNING_ALGORITHM", /hmac-sha256 or ed25519/);
    failsOn({ STEM_SIGNING_KEYS: "k1:@@@" }, "STEM_SIGNING_KEYS", /"k1" that is not valid base64/);
    failsOn({ STEM_SIGNING_KEYS: SECRET }, "STEM_SIGNING_KEYS", /no id/);
    failsOn({ STEM_SIGNING_KEYS: "k1:c2hvcnQ=" }, "STEM_SIGNING_KEYS", /at least 16/);
    failsOn({ STEM_SIGNING_KEYS: `k1:${SECRET},k1:${SECRET}` }, "STEM_SIGNING_KEYS", /twice/);
    failsOn(
      { STEM_SIGNING_KEYS: `k1:${SECRET}`, STEM_SIGNING_ACTIVE_KEY: "k2" },
      "STEM_SIGNING_ACTIVE_KEY",
      /"k2", which is not among STEM_SIGNING_KEYS \(k1\)/,
    );
    failsOn(
      { STEM_SIGNING_KEYS: `k1:${SECRET},k2:${SECRET}` },
      "STEM_SIGNING_ACTIVE_KEY",
      /required/,
    );
    failsOn({ STEM_SIGNING_ALGORITHM: "ed25519" }, "STEM_SIGNING_ALGORITHM", /no keys are/);
    failsOn({ STEM_SIGNING_ACTIVE_KEY: "k1" }, "STEM_SIGNING_ACTIVE_KEY", /no keys are/);
    failsOn(
      { STEM_SIGNING_ALGORITHM: "ed25519", STEM_SIGNING_PUBLIC_KEYS: `e1:${SECRET}` },
      "STEM_SIGNING_PUBLIC_KEYS",
      /32 bytes/,
    );
    failsOn(
      { STEM_SIGNING_KEYS: `k1:${SECRET}`, STEM_SIGNING_PUBLIC_KEYS: `e1:${SECRET}` },
      "STEM_SIGNING_PUBLIC_KEYS",
      /does not use it/,
    );
    failsOn({ STEM_SIGNING_REQUIRED: "maybe" }, "STEM_SIGNING_REQUIRED");
    failsOn({ STEM_TLS_ALLOW_INSECURE: "sure" }, "STEM_TLS_ALLOW_INSECURE");
    failsOn({ STEM_TLS_CLIENT_CERT: "/c.pem" }, "STEM_TLS_CLIENT_KEY", /required/);
    failsOn({ STEM_DEFAULT_QUEUE: 5 as unknown as string }, "STEM_DEFAULT_QUEUE", /string/);
  });

  test("an environment that is not an object is refused (without one, the process env is read)", () => {
    assert.throws(
      () => StemConfig.fromEnvironment(null as unknown as Record<string, string>),
      /pass the Deno env, the process env or a Workers env/,
    );
  });
});

const PEM_CA = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

describe("StemConfig → options", () => {
  test("toAppOptions() carries the default queue, prefetch multiplier, queues, backend, signer and encoder", () => {
    const keys = btoa("0123456789abcdef0123456789abcdef");
    const options = StemConfig.fromEnvironment({
      ...BROKER,
      STEM_RESULT_BACKEND_URL: "postgres://localhost/stem",
      STEM_DEFAULT_QUEUE: "jobs",
      STEM_PREFETCH_MULTIPLIER: "4",
      STEM_WORKER_QUEUES: "jobs,mail",
      STEM_SIGNING_KEYS: `k1:${SECRET}`,
      STEM_ENCRYPTION_KEYS: `e1:${keys}`,
    }).toAppOptions();
    assert.equal(options.defaultQueue, "jobs");
    assert.equal(options.prefetchMultiplier, 4);
    assert.deepEqual(options.queues, ["jobs", "mail"]);
    assert.equal(options.backendUrl, "postgres://localhost/stem");
    assert.ok(options.signer instanceof PayloadSigner);
    assert.equal(options.encoders.length, 1);
    assert.ok(options.encoders[0] instanceof AesGcmPayloadEncoder);
    const plain = StemConfig.fromEnvironment(BROKER).toAppOptions();
    assert.deepEqual(
      { ...plain },
      {
        defaultQueue: "default",
        prefetchMultiplier: 2,
        backendUrl: BROKER.STEM_BROKER_URL,
        encoders: [],
      },
    );
  });

  test("connectOptions() reads certificate files through the reader it is given", async () => {
    const files: Record<string, string> = {
      "/ca.pem": PEM_CA,
      "/client.pem": PEM_CA,
      "/client.key": "-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----\n",
    };
    const config = StemConfig.fromEnvironment({
      ...BROKER,
      STEM_TLS_CA_CERT: "/ca.pem",
      STEM_TLS_CLIENT_CERT: "/client.pem",
      STEM_TLS_CLIENT_KEY: "/client.key",
    });
    const read: string[] = [];
    const options = await config.connectOptions({
      readTextFile: (path) => {
        read.push(path);
        return Promise.resolve(files[path]);
      },
    });
    assert.deepEqual(read, ["/ca.pem", "/client.pem", "/client.key"]);
    assert.deepEqual(options.tls, {
      ca: PEM_CA,
      cert: PEM_CA,
      key: files["/client.key"],
      rejectUnauthorized: true,
    });
  });

  test("connectOptions(): PEM text passes through, ALLOW_INSECURE turns verification off, no TLS is {}", async () => {
    const pem = StemConfig.fromEnvironment({ ...BROKER, STEM_TLS_CA_CERT: PEM_CA });
    assert.deepEqual((await pem.connectOptions()).tls, {
      ca: PEM_CA.trim(),
      rejectUnauthorized: true,
    });
    const insecure = StemConfig.fromEnvironment({ ...BROKER, STEM_TLS_ALLOW_INSECURE: "yes" });
    assert.deepEqual((await insecure.connectOptions()).tls, { rejectUnauthorized: false });
    assert.deepEqual(await StemConfig.fromEnvironment(BROKER).connectOptions(), {});
  });

  test("connectOptions(): a path without a reader, an unreadable file or a non-PEM file is a ConfigError", async () => {
    const config = StemConfig.fromEnvironment({ ...BROKER, STEM_TLS_CA_CERT: "/ca.pem" });
    const rejects = (promise: Promise<unknown>, pattern: RegExp) =>
      assert.rejects(promise, (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.variable, "STEM_TLS_CA_CERT");
        assert.match(error.message, pattern);
        return true;
      });
    await rejects(config.connectOptions(), /cannot read files: set it to the PEM text/);
    await rejects(
      config.connectOptions({ readTextFile: () => Promise.reject(new Error("ENOENT")) }),
      /"\/ca\.pem", which cannot be read: Error: ENOENT/,
    );
    await rejects(
      config.connectOptions({ readTextFile: () => Promise.resolve("hello") }),
      /holds no PEM/,
    );
  });
});

describe("STEM_LOG_LEVEL and STEM_LOG_FORMAT", () => {
  test("are read case-insensitively; a bad value names the variable and the choices", () => {
    const config = StemConfig.fromEnvironment({
      ...BROKER,
      STEM_LOG_LEVEL: "DEBUG",
      STEM_LOG_FORMAT: "json",
    });
    assert.equal(config.logLevel, "debug");
    assert.equal(config.logFormat, "json");
    assert.equal(StemConfig.fromEnvironment(BROKER).logLevel, undefined);
    failsOn({ STEM_LOG_LEVEL: "loud" }, "STEM_LOG_LEVEL", /debug, info, warn, error/);
    failsOn({ STEM_LOG_FORMAT: "xml" }, "STEM_LOG_FORMAT", /text, json/);
  });

  test("config.logger() writes JSON lines with time, level, message and fields at the level", () => {
    const lines: string[] = [];
    const original = { warn: console.warn, log: console.log, info: console.info };
    console.warn = (text: string) => lines.push(text);
    console.log = (text: string) => lines.push(text);
    console.info = (text: string) => lines.push(text);
    try {
      const logger = StemConfig.fromEnvironment({ ...BROKER, STEM_LOG_FORMAT: "json" }).logger(
        "warn",
      );
      logger.info("not printed below warn");
      logger.warn("Lost the broker", { taskId: "t1", error: new Error("ECONNRESET") });
    } finally {
      Object.assign(console, original);
    }
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]);
    assert.equal(record.level, "warn");
    assert.equal(record.msg, "Lost the broker");
    assert.equal(record.taskId, "t1");
    assert.equal(record.error, "Error: ECONNRESET");
    assert.ok(!Number.isNaN(Date.parse(record.time)));
  });
});
