import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, resolve } from "node:path";
import { scriptCommand } from "./helpers/runtime.ts";

const ROOT = resolve(".");
const DENO = resolve("node_modules/.bin/deno");
const EXPORTS: Record<string, string> = JSON.parse(readFileSync("deno.json", "utf8")).exports;

/** One fenced TypeScript block of a page. */
interface Block {
  readonly page: string;
  /** 1-based position among the page's `ts` blocks. */
  readonly index: number;
  /** 1-based line of the opening fence in the page. */
  readonly fenceLine: number;
  readonly flags: readonly string[];
  readonly source: string;
}

/** Every page whose `ts` blocks are checked: README.md, docs/*.md, bench/README.md. */
function pages(): string[] {
  const docs = readdirSync("docs").filter((f) => f.endsWith(".md")).sort().map((f) => `docs/${f}`);
  return ["README.md", ...docs, "bench/README.md"].filter((p) => existsSync(p));
}

/**
 * The ```ts blocks of a page. Info-string flags after `ts`: `ignore` (a deliberate fragment:
 * neither checked nor run), `no-run` (README only: checked but not run, e.g. it needs a server).
 */
function blocks(page: string, text: string = readFileSync(page, "utf8")): Block[] {
  const found: Block[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(?:ts|typescript)(?:\s+(.*))?$/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    while (++i < lines.length && !/^```\s*$/.test(lines[i])) body.push(lines[i]);
    found.push({
      page,
      index: found.length + 1,
      fenceLine: start + 1,
      flags: (open[1] ?? "").split(/\s+/).filter(Boolean),
      source: body.join("\n"),
    });
  }
  return found;
}

/**
 * Makes a block compile where it is written to: `@stem/stem` and its subpath exports (deno.json
 * `exports`) become the local files; relative specifiers are read from the repository root (as a
 * reader of README.md runs them), or from the file a block names on its first line
 * (`// examples/edge_cloudflare/worker.ts`). Line numbers are kept, so errors map onto the page.
 */
function localize(source: string): string {
  const named = /^\/\/ ([\w./-]+\.ts)\b/.exec(source)?.[1];
  const base = named && existsSync(named) ? dirname(resolve(ROOT, named)) : ROOT;
  return source.replace(
    /((?:from|import)\s*\(?\s*)"([^"]+)"/g,
    (whole, lead: string, spec: string) => {
      let target: string | undefined;
      if (spec === "@stem/stem" || spec.startsWith("@stem/stem/")) {
        const sub = EXPORTS[`.${spec.slice("@stem/stem".length)}`];
        if (sub) target = resolve(ROOT, sub);
      } else if (spec.startsWith("./") || spec.startsWith("../")) {
        target = resolve(base, spec);
      }
      return target ? `${lead}${JSON.stringify(target)}` : whole;
    },
  );
}

/** A temp dir inside the repository, so deno.json's import map resolves "zod", "hono", ... */
function tempDir(): string {
  mkdirSync(".tmp", { recursive: true });
  return mkdtempSync(join(resolve(".tmp"), "docs-"));
}

/** Writes a block as a module; returns its file. */
function writeBlock(dir: string, block: Block): string {
  const file = join(dir, `${block.page.replace(/\W/g, "_")}_${block.index}.ts`);
  writeFileSync(file, `${localize(block.source)}\nexport {};\n`);
  return file;
}

/** Outcome of type-checking blocks in one `deno check` process. */
interface CheckReport {
  /** "page block N (line L)" of every block with an error. */
  readonly failed: readonly Block[];
  /** The checker's output, temp file locations rewritten to `page:line:column`. */
  readonly output: string;
  readonly ok: boolean;
}

/**
 * Type-checks every block with one `deno check` and maps each error back to its page. A syntax
 * error stops the checker before it type-checks anything, so blocks that do not parse are set
 * aside and the rest checked again: every failing block is named, not just the first.
 */
function checkBlocks(dir: string, all: readonly Block[]): CheckReport {
  let files = new Map(all.map((b) => [writeBlock(dir, b), b]));
  const failed: Block[] = [];
  const outputs: string[] = [];
  let ok = true;
  while (files.size > 0) {
    const result = spawnSync(DENO, ["check", "-q", ...files.keys()], {
      encoding: "utf8",
      timeout: 300_000,
      env: { ...process.env, NO_COLOR: "1" },
    });
    let output = `${result.stdout ?? ""}${result.stderr ?? ""}${result.error ?? ""}`;
    const named: string[] = [];
    for (const [file, block] of files) {
      const at = new RegExp(`(?:file://)?${escape(file)}(?::(\\d+):(\\d+))?`, "g");
      if (!at.test(output)) continue;
      named.push(file);
      failed.push(block);
      output = output.replace(
        at,
        (_m, line?: string, col?: string) =>
          line
            ? `${block.page}:${block.fenceLine + Number(line)}:${col} (block ${block.index})`
            : `${block.page} (block ${block.index})`,
      );
    }
    if (result.status === 0) break;
    ok = false;
    outputs.push(output);
    const parseFailure = /\berror: (?:The module's source code could not be parsed|SyntaxError)/
      .test(output);
    if (!parseFailure || named.length === 0) break;
    files = new Map([...files].filter(([file]) => !named.includes(file)));
  }
  failed.sort((a, b) => a.page.localeCompare(b.page) || a.index - b.index);
  return { failed, output: outputs.join("\n"), ok };
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function describeBlock(b: Block): string {
  return `${b.page} block ${b.index} (line ${b.fenceLine})`;
}

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
    const runnable = blocks("README.md").filter(
      (b) => !b.flags.includes("ignore") && !b.flags.includes("no-run"),
    );
    assert.ok(runnable.length >= 2);
    const dir = tempDir();
    try {
      for (const block of runnable) {
        const { code, out } = run(writeBlock(dir, block));
        assert.equal(code, 0, `${describeBlock(block)} failed:\n${out}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("every TypeScript block of README.md, docs/*.md and bench/README.md type-checks", () => {
    const all = pages().flatMap((p) => blocks(p)).filter((b) => !b.flags.includes("ignore"));
    assert.ok(all.length >= 30, `found ${all.length} blocks`);
    const dir = tempDir();
    try {
      const report = checkBlocks(dir, all);
      const required = report.failed;
      const unattributed = !report.ok && report.failed.length === 0;
      assert.ok(
        required.length === 0 && !unattributed,
        `blocks that do not type-check: ${
          required.map(describeBlock).join(", ") || "(none named)"
        }\n` +
          report.output,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("every block that does not type-check or parse is named with its page, number and line", () => {
    const page = "docs/example.md";
    const text = [
      "Intro.",
      "```ts",
      'import { MetaKey } from "./src/core/meta_keys.ts";',
      "const fine: string = MetaKey.raw;",
      "```",
      "```ts ignore",
      "this is a fragment",
      "```",
      "```ts",
      'import { NoSuchExport } from "./src/core/meta_keys.ts";',
      "const n: number = NoSuchExport;",
      "```",
      "```ts",
      "const = ;",
      "```",
    ].join("\n");
    const found = blocks(page, text);
    assert.deepEqual(found.map((b) => [b.index, b.fenceLine, b.flags]), [
      [1, 2, []],
      [2, 6, ["ignore"]],
      [3, 9, []],
      [4, 13, []],
    ]);
    const dir = tempDir();
    try {
      const report = checkBlocks(dir, found.filter((b) => !b.flags.includes("ignore")));
      assert.equal(report.ok, false);
      assert.deepEqual(report.failed.map(describeBlock), [
        "docs/example.md block 3 (line 9)",
        "docs/example.md block 4 (line 13)",
      ]);
      assert.match(report.output, /docs\/example\.md:10:\d+ \(block 3\)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
