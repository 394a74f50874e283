import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const DOCS = ["docs/producer.md", "docs/http_api.md"];
const SPECIFIERS: Record<string, string> = {
  '"./mod.ts"': "mod.ts",
  '"@stem/stem"': "mod.ts",
  '"@stem/stem/http"': "src/http/mod.ts",
  '"@stem/stem/producer"': "producer.ts",
};

/** The `ts` blocks of a page (blocks marked `ts ignore` are shown, not checked). */
function blocks(page: string): string[] {
  return [...readFileSync(page, "utf8").matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe("producer and HTTP API docs as code", () => {
  test("every TypeScript block in docs/producer.md and docs/http_api.md type-checks", () => {
    mkdirSync(".tmp", { recursive: true });
    // Inside the repository, so deno.json's import map resolves "zod" and "hono".
    const dir = mkdtempSync(join(resolve(".tmp"), "docs-"));
    try {
      const files: string[] = [];
      for (const page of DOCS) {
        const found = blocks(page);
        assert.ok(found.length >= 1, `${page} has TypeScript blocks`);
        found.forEach((block, i) => {
          let source = block;
          for (const [from, to] of Object.entries(SPECIFIERS)) {
            source = source.replaceAll(from, JSON.stringify(resolve(to)));
          }
          const file = join(dir, `${page.replace(/\W/g, "_")}_${i}.ts`);
          writeFileSync(file, `${source}\nexport {};\n`);
          files.push(file);
        });
      }
      const result = spawnSync(resolve("node_modules/.bin/deno"), ["check", "-q", ...files], {
        encoding: "utf8",
        timeout: 120_000,
      });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
