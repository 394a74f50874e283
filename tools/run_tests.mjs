// Runs the whole suite under Deno and under Bun, then prints one summary line.
// Counts come from each runtime's JUnit report so skipped tests are never counted as passed.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const args = process.argv.slice(2);
const only = args.find((a) => a.startsWith("--runtime="))?.split("=")[1];
const files = args.filter((a) => !a.startsWith("--"));
const targets = files.length ? files : ["tests/"];
const dir = mkdtempSync(join(tmpdir(), "stem-junit-"));
// Test files run in parallel worker processes: most of the suite waits on servers, child
// processes and timers, so three files at a time on two cores finish the suite in about half the
// serial time. STEM_TEST_JOBS=1 runs them one after another.
const jobs = Math.max(1, Number(process.env.STEM_TEST_JOBS ?? 3));
const parallel = jobs > 1 && files.length !== 1;

const runtimes = {
  deno: (out) => [
    "node_modules/.bin/deno",
    [
      "test",
      "-A",
      "--no-check",
      ...(parallel ? ["--parallel"] : []),
      `--junit-path=${out}`,
      ...targets,
    ],
  ],
  bun: (out) => [
    "node_modules/.bin/bun",
    [
      "test",
      "--timeout",
      "120000",
      ...(parallel ? [`--parallel=${jobs}`] : []),
      "--reporter=junit",
      `--reporter-outfile=${out}`,
      ...targets,
    ],
  ],
};

// Failing tests are listed again after the summary: CI keeps only the tail of a long log, and
// the first runtime's failures would otherwise scroll out of it.
const failures = [];

function unescape(text) {
  return text.replace(/&quot;/g, '"').replace(/&lt;/g, "<").replace(/&gt;/g, ">")
    .replace(/&#10;/g, "\n").replace(/&amp;/g, "&");
}

function attr(tag, name) {
  return unescape(tag.match(new RegExp(`\\b${name}="([^"]*)"`))?.[1] ?? "");
}

function count(xml, runtime) {
  const cases = xml.match(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g) ?? [];
  let passed = 0, failed = 0, skipped = 0;
  for (const c of cases) {
    if (/<(failure|error)\b/.test(c)) {
      failed++;
      const open = c.match(/<testcase\b[^>]*>/)?.[0] ?? "";
      const body = c.match(
        /<(?:failure|error)\b[^>]*?(?:message="([^"]*)")?[^>]*>([\s\S]*?)<\/(?:failure|error)>/,
      );
      const detail = unescape(body?.[1] || body?.[2] || "").trim();
      failures.push(
        `[${runtime}] ${attr(open, "classname")} > ${attr(open, "name")}\n    ${
          detail.split("\n").slice(0, 6).join("\n    ")
        }`,
      );
    } else if (/<skipped\b/.test(c)) skipped++;
    else passed++;
  }
  return { passed, failed, skipped };
}

const totals = { passed: 0, failed: 0, skipped: 0 };
const lines = [];
let crashed = false;
for (const [name, build] of Object.entries(runtimes)) {
  if (only && only !== name) continue;
  const out = join(dir, `${name}.xml`);
  const [cmd, cmdArgs] = build(out);
  console.log(`\n=== ${name}: ${cmd} ${cmdArgs.join(" ")}`);
  const result = spawnSync(cmd, cmdArgs, {
    stdio: "inherit",
    env: { ...process.env, STEM_RUNTIME: name, DENO_JOBS: String(jobs) },
  });
  let c;
  try {
    c = count(readFileSync(out, "utf8"), name);
  } catch {
    c = { passed: 0, failed: 1, skipped: 0 };
    crashed = true;
  }
  if (result.status !== 0 && c.failed === 0) {
    c.failed = 1;
    crashed = true;
  }
  for (const k of Object.keys(totals)) totals[k] += c[k];
  lines.push(`${name}: ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped`);
}
rmSync(dir, { recursive: true, force: true });
if (failures.length) console.log("\nFailed tests:\n" + failures.join("\n"));
console.log("\n" + lines.join("\n"));
console.log(
  `${totals.passed} passed, ${totals.failed} failed${
    totals.skipped ? `, ${totals.skipped} skipped` : ""
  }`,
);
if (crashed) console.log("(a runtime exited with an error outside the counted tests)");
process.exit(totals.failed > 0 ? 1 : 0);
