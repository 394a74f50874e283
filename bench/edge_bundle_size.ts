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

const report = {
  bench: "edge_bundle_size",
  tool: "esbuild --bundle --minify --format=esm --platform=browser; gzip -9",
  // Everything producer.ts exports.
  producerEntry: await entry(`export * from "./producer.ts";`),
  // What a typical edge handler uses: Stem + HMAC signer + config.
  producerTypical: await entry(
    `import { PayloadSigner, Stem, StemConfig } from "./producer.ts";
     export { PayloadSigner, Stem, StemConfig };`,
  ),
  httpApi: await entry(`export * from "./src/http/mod.ts";`),
  // The example Worker: producer + HTTP API + Redis over Upstash REST (@upstash/redis, Lua scripts).
  cloudflareWorkerExample: sizes(
    new TextEncoder().encode(await bundleWorker("examples/edge_cloudflare/worker.ts")),
  ),
};
console.log(JSON.stringify(report));
