// Bundles the Worker into one ES module with esbuild: node examples/edge_cloudflare/build.mjs [out]
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

/**
 * The Redis adapter loads its TCP transport (node-redis) only for redis:// URLs, through a
 * dynamic import. A Worker talks HTTP only, so the bundle replaces that module with a stub.
 */
export const noTcpTransport = {
  name: "stem-no-tcp-transport",
  setup(b) {
    b.onResolve({ filter: /tcp[\\/]tcp_transport\.ts$/ }, (args) => ({
      path: args.path,
      namespace: "stem-no-tcp",
    }));
    b.onLoad({ filter: /.*/, namespace: "stem-no-tcp" }, () => ({
      loader: "js",
      contents:
        "export const TcpTransport = { connect() { throw new Error('redis:// needs TCP; use an https:// (Upstash REST) URL on edge hosts.'); } };",
    }));
  },
};

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
    plugins: [noTcpTransport],
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
