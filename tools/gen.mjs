// Runs every tools/gen_*.mjs generator (Lua scripts, SQL) so `deno task gen` regenerates all
// embedded files; CI runs it and fails when the checked-in output drifts.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";

for (const file of readdirSync("tools").filter((f) => /^gen_.+\.mjs$/.test(f)).sort()) {
  execFileSync(process.execPath, [`tools/${file}`], { stdio: "inherit" });
}
