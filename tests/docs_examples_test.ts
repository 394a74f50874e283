import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { scriptCommand } from "./helpers/runtime.ts";

function run(file: string): { code: number | null; out: string } {
  const [cmd, args] = scriptCommand(file);
  const result = spawnSync(cmd, args, { encoding: "utf8", timeout: 60_000 });
  return { code: result.status, out: `${result.stdout}${result.stderr}` };
}

describe("docs as code", () => {
  test("the demo processes its burst: a retried success, a dead letter, a delayed task", () => {
    const { code, out } = run("examples/demo.ts");
    assert.equal(code, 0, out);
    assert.match(out, /payments\.capture → "captured on attempt 2"/);
    assert.match(
      out,
      /reports\.broken: template not found: monthly\.hbs \(dead-lettered: max-retries-exhausted\)/,
    );
    assert.match(out, /emails\.reminder → "reminded ops@example\.com"/);
    assert.match(out, /Dead-letter queue: 1 entry/);
  });

  test("every README TypeScript block runs", () => {
    const readme = readFileSync("README.md", "utf8");
    // Blocks marked `ts ignore` need servers and are shown, not run.
    const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    assert.ok(blocks.length >= 2);
    const dir = mkdtempSync(join(resolve("."), ".tmp-readme-"));
    try {
      blocks.forEach((block, i) => {
        const file = join(dir, `block_${i}.ts`);
        writeFileSync(file, block.replaceAll('"./mod.ts"', `"${resolve("mod.ts")}"`));
        const { code, out } = run(file);
        assert.equal(code, 0, `README block ${i} failed:\n${out}`);
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
