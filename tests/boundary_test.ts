import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

test("src/ uses only web-standard APIs (no Deno., Bun., node:, process)", () => {
  const result = spawnSync("node", ["tools/check_boundary.mjs"], { encoding: "utf8" });
  assert.equal(result.status, 0, result.stderr);
});
