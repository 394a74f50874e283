// The boundary as a graph (DESIGN §2): src/ never reaches adapters/, workers/ or a runtime, and
// the package entries keep adapter npm packages out of a program's static graph.
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { checkTree, importsOf, scanSource } from "../tools/check_boundary.mjs";

const deno = "node_modules/.bin/deno";
const ADAPTER_PACKAGES =
  /node_modules\/(redis|@redis\/[^/]+|postgres|@upstash\/redis)\/|^npm:\/?(redis|postgres|@upstash\/redis)(@|\/|$)/;

interface GraphModule {
  specifier: string;
  dependencies?: {
    code?: { specifier?: string };
    type?: { specifier?: string };
    isDynamic?: boolean;
  }[];
  npmPackage?: string;
}

function denoInfo(entry: string): { roots: string[]; modules: GraphModule[] } {
  const result = spawnSync(deno, ["info", "--json", entry], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as { roots: string[]; modules: GraphModule[] };
}

/** Specifiers reachable from `entry`, following dynamic imports only when `dynamic` is set. */
function reachable(entry: string, dynamic: boolean): string[] {
  const info = denoInfo(entry);
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const root = info.roots[0];
  assert.ok(root.endsWith(`/${entry}`) && modules.has(root), `deno info lists ${entry}`);
  const seen = new Set<string>([root]);
  const queue = [root];
  while (queue.length) {
    for (const dep of modules.get(queue.pop()!)?.dependencies ?? []) {
      if (dep.isDynamic && !dynamic) continue;
      for (const next of [dep.code?.specifier, dep.type?.specifier]) {
        if (next && !seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      }
    }
  }
  return [...seen];
}

const adapterPackagesIn = (specifiers: string[]): string[] =>
  specifiers.filter((s) =>
    ADAPTER_PACKAGES.test(s.replace(/^file:\/\/\/.*?(?=node_modules\/)/, ""))
  );

describe("src/ imports", () => {
  test("no file under src/ imports adapters/, workers/, a node:/bun: module or an adapter's npm package", () => {
    assert.deepEqual(checkTree("src"), []);
  });

  test("the import scanner sees src/'s real imports (it is not vacuous)", () => {
    const text = readFileSync("src/producer/stem.ts", "utf8");
    const specifiers = importsOf(text).map((i: { specifier: string | null }) => i.specifier);
    assert.ok(specifiers.includes("../core/task_registry.ts") || specifiers.length >= 10);
    assert.ok(specifiers.every((s: string | null) => typeof s === "string" && s.endsWith(".ts")));
  });

  test("the scanner rejects each kind of boundary break, and ignores comments and strings", () => {
    const source = [
      'import { RedisStreamsBroker } from "../../adapters/redis/mod.ts";',
      'export { main } from "../../workers/cli/main.ts";',
      'import { readFile } from "node:fs/promises";',
      'import { createClient } from "redis";',
      'const pg = await import("../../adapters/postgres/mod.ts");',
      "const lazy = await import(name);",
      'const url = Deno.env.get("STEM_BROKER_URL");',
      "const env = globalThis.process?.env;",
      "Bun.file(path);",
      '// import { x } from "../../adapters/memory/mod.ts"; Deno.exit()',
      'const help = "import it from \\"node:fs\\" or read Deno.env";',
      'import { Hono } from "hono";',
    ].join("\n");
    const lines = scanSource("src/core/probe.ts", source).map(
      (v: { line: number; problem: string }) => `${v.line}: ${v.problem}`,
    );
    assert.deepEqual(lines, [
      '1: imports adapters/ ("../../adapters/redis/mod.ts")',
      '2: imports workers/ ("../../workers/cli/main.ts")',
      '3: imports the runtime module "node:fs/promises"',
      '4: imports the npm package "redis", which is not one of hono, @noble/ed25519, croner, @opentelemetry/api',
      '5: imports adapters/ ("../../adapters/postgres/mod.ts")',
      "6: has a dynamic import() of a computed specifier",
      "7: uses Deno",
      "8: uses process",
      "9: uses Bun",
    ]);
  });

  test("the web-only type check (lib ESNext + DOM, no Deno types) rejects Deno.env and process", () => {
    const dir = mkdtempSync(join(tmpdir(), "stem-web-only-"));
    try {
      const probe = join(dir, "probe.ts");
      writeFileSync(
        probe,
        'export const a: string | undefined = Deno.env.get("A");\n' +
          "export const b: string | undefined = process.env.B;\n" +
          'export const c: Response = new Response(new URL("https://x").href);\n',
      );
      const result = spawnSync(deno, ["check", "--config", "tools/web_only.json", probe], {
        encoding: "utf8",
      });
      assert.notEqual(result.status, 0);
      assert.match(result.stderr, /Cannot find name 'Deno'/);
      assert.match(result.stderr, /Cannot find name 'process'/);
      assert.doesNotMatch(result.stderr, /Response|'URL'/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Package entries keep adapter npm packages out", () => {
  test("producer.ts: no redis, postgres or @upstash/redis anywhere in Deno's graph", () => {
    assert.deepEqual(adapterPackagesIn(reachable("producer.ts", true)), []);
  });

  test("src/scheduler/mod.ts (the edge Beat entry): none anywhere in Deno's graph", () => {
    assert.deepEqual(adapterPackagesIn(reachable("src/scheduler/mod.ts", true)), []);
  });

  test("mod.ts: none in the static graph; the built-in adapters are reached only by dynamic import()", () => {
    assert.deepEqual(adapterPackagesIn(reachable("mod.ts", false)), []);
    // The dynamic edges exist (app.ts's adapter table), so the static check above means something.
    const lazy = adapterPackagesIn(reachable("mod.ts", true));
    assert.ok(lazy.some((s) => s.includes("node_modules/redis/")), lazy.join("\n"));
    assert.ok(lazy.some((s) => s.includes("node_modules/postgres/")), lazy.join("\n"));
  });

  test("mod.ts bundled with code splitting: what the entry loads statically holds no adapter npm package", async () => {
    const result = await build({
      entryPoints: ["mod.ts"],
      bundle: true,
      splitting: true,
      format: "esm",
      platform: "node",
      outdir: "out",
      write: false,
      metafile: true,
      logLevel: "silent",
    });
    const outputs = result.metafile.outputs;
    const entry = Object.keys(outputs).find((name) => outputs[name].entryPoint === "mod.ts");
    assert.ok(entry);
    // What loading mod.ts loads: its chunk and every chunk it imports statically.
    const loaded = new Set([entry]);
    for (const name of loaded) {
      for (const imported of outputs[name].imports) {
        if (imported.kind === "import-statement" && outputs[imported.path]) {
          loaded.add(imported.path);
        }
      }
    }
    const inputs = [...loaded].flatMap((name) => Object.keys(outputs[name].inputs));
    assert.ok(inputs.includes("app.ts"));
    assert.deepEqual(adapterPackagesIn(inputs), []);
    const all = Object.values(outputs).flatMap((o) => Object.keys(o.inputs));
    assert.ok(adapterPackagesIn(all).length > 0, "the lazy chunks carry the adapters");
  });

  test("each adapter is its own export of the package", () => {
    const { exports } = JSON.parse(readFileSync("deno.json", "utf8")) as {
      exports: Record<string, string>;
    };
    assert.equal(exports["."], "./mod.ts");
    assert.equal(exports["./producer"], "./producer.ts");
    for (const name of ["memory", "redis", "postgres", "sqlite"]) {
      assert.equal(exports[`./${name}`], `./adapters/${name}/mod.ts`);
    }
  });
});
