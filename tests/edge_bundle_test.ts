// The producer-only entry must bundle for a browser-like host with nothing from the worker,
// the adapters or any runtime: esbuild (platform "browser") fails on node:* imports.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";

async function inputsOf(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return Object.keys(result.metafile.inputs);
}

// Stem's publish retry uses policyDelay, a pure function that lives with the retry strategies.
const ALLOWED_WORKER_FILES = new Set(["src/worker/retry_strategy.ts"]);

describe("Producer-only entries", () => {
  for (const entry of ["producer.ts", "src/http/mod.ts"]) {
    test(`${entry} bundles for the web with no worker, adapter or runtime code`, async () => {
      const inputs = await inputsOf(entry);
      const offending = inputs.filter((path) =>
        (path.startsWith("src/worker/") && !ALLOWED_WORKER_FILES.has(path)) ||
        path.startsWith("src/bootstrap/") || path.startsWith("adapters/") ||
        path.startsWith("workers/") || path.includes("node_modules/redis") ||
        path.includes("node_modules/postgres")
      );
      assert.deepEqual(offending, []);
      assert.ok(inputs.includes("src/producer/stem.ts") || entry !== "producer.ts");
    });
  }
});

async function workerdBundle(entry: string): Promise<{ inputs: string[]; code: string }> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    write: false,
    metafile: true,
    logLevel: "silent",
  });
  return { inputs: Object.keys(result.metafile.inputs), code: result.outputFiles[0].text };
}

function nodeOnly(path: string): boolean {
  return path.includes("node_modules/redis/") || path.includes("node_modules/@redis/") ||
    path.includes("node_modules/@upstash/") || path.startsWith("node:") ||
    path.startsWith("adapters/redis/tcp/") || path === "adapters/redis/mod.ts";
}

describe("The Redis edge entry (@stem/stem/redis/http)", () => {
  test("deno.json exports ./redis/http as adapters/redis/http/mod.ts", async () => {
    const { readFile } = await import("node:fs/promises");
    const config = JSON.parse(await readFile("deno.json", "utf8"));
    assert.equal(config.exports["./redis/http"], "./adapters/redis/http/mod.ts");
  });

  test("adapters/redis/http/mod.ts bundles for workerd with no node-redis, Upstash SDK or node:*", async () => {
    const { inputs, code } = await workerdBundle("adapters/redis/http/mod.ts");
    assert.deepEqual(inputs.filter(nodeOnly), []);
    assert.ok(inputs.includes("adapters/redis/http/rest_client.ts"));
    assert.ok(inputs.includes("adapters/redis/broker/redis_streams_broker.ts"));
    assert.doesNotMatch(code, /from\s*["']node:/);
  });

  test("the example Cloudflare Worker imports the edge entry and carries no node-redis", async () => {
    const { inputs } = await workerdBundle("examples/edge_cloudflare/worker.ts");
    assert.ok(inputs.includes("adapters/redis/http/mod.ts"), "the Worker uses the edge entry");
    assert.deepEqual(inputs.filter(nodeOnly), []);
  });

  test("the Ed25519 fallback (@noble/ed25519) is a lazy chunk when the bundle is split", async () => {
    const result = await build({
      entryPoints: ["producer.ts"],
      bundle: true,
      splitting: true,
      outdir: "out",
      format: "esm",
      platform: "browser",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const outputs = Object.values(result.metafile.outputs);
    const entry = outputs.find((o) => o.entryPoint === "producer.ts")!;
    const noble = Object.keys(entry.inputs).filter((p) => p.includes("@noble/ed25519"));
    assert.deepEqual(noble, [], "the entry chunk does not hold the fallback");
    assert.ok(
      outputs.some((o) => Object.keys(o.inputs).some((p) => p.includes("@noble/ed25519"))),
      "the fallback is still bundled, in its own chunk",
    );
  });
});
