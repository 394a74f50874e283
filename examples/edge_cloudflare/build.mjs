// Bundles the Worker into one ES module with esbuild: node examples/edge_cloudflare/build.mjs [out]
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

// The broker and backend modules never import the TCP transport (only the adapter's mod.ts
// registers it), so the Worker bundle needs no stubs: it carries the HTTP transport only.

/** Bundles `entry` for workerd; resolves with the code and its size. */
export async function bundleWorker(entry, options = {}) {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    minify: options.minify ?? true,
    write: false,
    logLevel: "error",
  });
  return result.outputFiles[0].text;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const out = process.argv[2] ?? `${here}dist/worker.js`;
  const code = await bundleWorker(`${here}worker.ts`);
  const { mkdirSync, writeFileSync } = await import("node:fs");
  const { dirname } = await import("node:path");
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, code);
  console.log(`wrote ${out} (${code.length} bytes)`);
}
