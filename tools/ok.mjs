// The quality gate: format, lint, type check, the boundary (src/ scan, src/ type-checked against
// lib ESNext + DOM without Deno types, the import graph of the package entries), generated-file
// drift, JSR publish dry run, then (unless --no-tests) the suite on Deno and Bun.
import { execFileSync } from "node:child_process";

const deno = "node_modules/.bin/deno";
const steps = [
  ["format", deno, ["fmt", "--check"]],
  ["lint", deno, ["lint"]],
  ["type check", deno, [
    "check",
    "mod.ts",
    "producer.ts",
    "app.ts",
    "adapters/",
    "src/",
    "workers/",
    "tests/",
    "bench/",
    "examples/",
  ]],
  ["boundary", "node", ["tools/check_boundary.mjs"]],
  ["web-only type check", deno, ["check", "--quiet", "--config", "tools/web_only.json", "src/"]],
  ["import graph", deno, ["test", "-A", "--no-check", "--quiet", "tests/import_graph_test.ts"]],
  ["generated files", "node", ["tools/gen.mjs"]],
  ["generated drift", "git", [
    "diff",
    "--exit-code",
    "--stat",
    "--",
    "adapters/*/_scripts.ts",
    "adapters/*/_sql.ts",
  ]],
  ["publish dry run", deno, ["publish", "--dry-run", "--allow-dirty", "--quiet"]],
];
if (!process.argv.includes("--no-tests")) steps.push(["tests", "node", ["tools/run_tests.mjs"]]);

for (const [name, cmd, args] of steps) {
  console.log(`\n── ${name}: ${cmd} ${args.join(" ")}`);
  try {
    execFileSync(cmd, args, { stdio: "inherit" });
  } catch {
    console.error(
      `\n✘ ${name} failed${
        name === "generated drift" ? " (run `node tools/gen.mjs` and commit)" : ""
      }`,
    );
    process.exit(1);
  }
}
console.log("\n✔ quality gate passed");
