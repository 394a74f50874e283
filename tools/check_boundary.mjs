// The boundary rule (DESIGN §2): src/ uses web-standard APIs only. Fails on Deno./Bun./node:/process.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

const PATTERN =
  /(^|[^A-Za-z_.$])(Deno|Bun)\.[A-Za-z]|from\s+["']node:|import\(\s*["']node:|require\(|(^|[^A-Za-z_.$])process\./;

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|tsx)$/.test(name)) yield path;
  }
}

const hits = [];
for (const file of files("src")) {
  readFileSync(file, "utf8").split("\n").forEach((line, i) => {
    const code = line.replace(/\/\/.*$/, "");
    if (/^\s*(\/\*|\*|\/\/)/.test(line)) return;
    if (PATTERN.test(code)) hits.push(`${file}:${i + 1}: ${line.trim()}`);
  });
}
if (hits.length) {
  console.error(
    "src/ must use web-standard APIs only (DESIGN.md, the boundary rule):\n" + hits.join("\n"),
  );
  process.exit(1);
}
console.log("boundary ok: src/ uses web-standard APIs only");
