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
