// Minified and gzipped sizes of the edge-facing bundles (esbuild, ESM, browser platform).
// Run: node_modules/.bin/deno run -A bench/edge_bundle_size.ts   Prints one JSON object.
import { build } from "esbuild";
import { gzipSync } from "node:zlib";
import { bundleWorker } from "../examples/edge_cloudflare/build.mjs";

function sizes(code: Uint8Array): { minBytes: number; gzipBytes: number } {
  return { minBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

async function entry(contents: string): Promise<{ minBytes: number; gzipBytes: number }> {
  const result = await build({
    stdin: { contents, resolveDir: ".", loader: "ts" },
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "error",
  });
  return sizes(result.outputFiles[0].contents);
}

/** The entry chunk alone when esbuild splits lazy imports (the Ed25519 fallback) into chunks. */
async function entryChunk(path: string): Promise<{ minBytes: number; gzipBytes: number }> {
  const result = await build({
    entryPoints: [path],
    bundle: true,
    minify: true,
    splitting: true,
    outdir: "out",
    format: "esm",
    platform: "browser",
    write: false,
    logLevel: "error",
  });
  const name = path.replace(/^.*\//, "").replace(/\.ts$/, ".js");
  return sizes(result.outputFiles.find((f) => f.path.endsWith(`/${name}`))!.contents);
}

const report = {
  bench: "edge_bundle_size",
  tool: "esbuild --bundle --minify --format=esm --platform=browser; gzip -9",
  // Everything producer.ts exports.
  producerEntry: await entry(`export * from "./producer.ts";`),
  // The same, split: what a host with native Ed25519 loads (@noble/ed25519 is a lazy chunk).
  producerEntryChunk: await entryChunk("producer.ts"),
  // What a typical edge handler uses: Stem + HMAC signer + config.
  producerTypical: await entry(
    `import { PayloadSigner, Stem, StemConfig } from "./producer.ts";
     export { PayloadSigner, Stem, StemConfig };`,
  ),
  httpApi: await entry(`export * from "./src/http/mod.ts";`),
  // The Redis edge entry (@stem/stem/redis/http): REST client, broker, backend, Lua scripts.
  redisHttpEntry: await entry(`export * from "./adapters/redis/http/mod.ts";`),
  // The example Worker: producer + HTTP API + Redis over Upstash REST (fetch client, Lua scripts).
  cloudflareWorkerExample: sizes(
    new TextEncoder().encode(await bundleWorker("examples/edge_cloudflare/worker.ts")),
  ),
};
console.log(JSON.stringify(report));
