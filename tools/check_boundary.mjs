// The boundary rule (DESIGN §2, STYLE §2): src/ is web-standard TypeScript. It never imports
// adapters/ or workers/ (the composition root app.ts does), imports no node:/bun: module and no
// npm package beyond the web-standard ones, and never touches Deno, Bun, process or require.
// Run it directly (`node tools/check_boundary.mjs`) or import scanSource/checkTree in a test.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** npm packages src/ may import: they run on every host (edge included). */
export const WEB_PACKAGES = ["hono", "@noble/ed25519", "croner", "@opentelemetry/api"];

const FORBIDDEN_DIRS = ["adapters", "workers"];
const TOKENS =
  /("(?:\\.|[^"\\\n])*"|'(?:\\.|[^'\\\n])*'|`(?:\\.|[^`\\])*`)|(\/\*[\s\S]*?\*\/|\/\/[^\n]*)/g;
// Matched on the source with string contents blanked (so text inside strings never counts); the
// specifier is then read from the same offsets of the unblanked source.
const STATIC_IMPORT =
  /(?:^|[;\s}])(?:import|export)\s+(?:type\s+)?(?:[\w*{}\s,$]+?\s+from\s+)?(["'])( *)\1/g;
const DYNAMIC_IMPORT = /(?:^|[^\w$.])import\s*\(\s*([^)\s]?)/g;
const RUNTIME_GLOBAL =
  /(?:^|[^\w$.])(Deno|Bun|process)\s*(?:\.|\[|\?\.)|globalThis\s*(?:\.|\?\.)\s*(Deno|Bun|process)\b|(?:^|[^\w$.])(require)\s*\(/g;
const RUNTIME_GLOBAL_BY_NAME = /globalThis\s*(?:\?\.)?\[\s*["'`](Deno|Bun|process)["'`]\s*\]/g;

const blank = (text) => text.replace(/[^\n]/g, " ");

/** Blanks a string's text but keeps a template literal's `${...}` expressions (they are code). */
function blankLiteral(text, quote) {
  if (quote !== "`") return blank(text);
  return text.split(/(\$\{[^}]*\})/).map((part, i) => i % 2 ? part : blank(part)).join("");
}

/** The source with comments blanked (`code`) and with string contents blanked too (`bare`). */
function mask(text) {
  let code = "";
  let bare = "";
  let last = 0;
  for (const match of text.matchAll(TOKENS)) {
    const before = text.slice(last, match.index);
    code += before;
    bare += before;
    if (match[1]) {
      code += match[1];
      bare += match[1][0] + blankLiteral(match[1].slice(1, -1), match[1][0]) + match[1].at(-1);
    } else {
      code += blank(match[2]);
      bare += blank(match[2]);
    }
    last = match.index + match[0].length;
  }
  return { code: code + text.slice(last), bare: bare + text.slice(last) };
}

function lineOf(text, index) {
  return text.slice(0, index).split("\n").length;
}

function packageOf(specifier) {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0];
}

/** Why `specifier`, imported by the file at `path` (relative to `root`), breaks the rule; or null. */
export function importProblem(specifier, path, root = ".") {
  if (/^(node|bun):/.test(specifier)) return `imports the runtime module "${specifier}"`;
  if (specifier.startsWith("npm:") || specifier.startsWith("jsr:")) {
    return `imports "${specifier}" directly (map packages in deno.json imports)`;
  }
  if (specifier.startsWith(".") || specifier.startsWith("/")) {
    const target = relative(resolve(root), resolve(root, dirname(path), specifier));
    const top = target.split(sep)[0];
    if (FORBIDDEN_DIRS.includes(top)) return `imports ${top}/ ("${specifier}")`;
    return null;
  }
  if (/^(https?|file|data):/.test(specifier)) return `imports a URL ("${specifier}")`;
  if (specifier.startsWith("@stem/stem")) {
    return `imports the package entry "${specifier}" (use a relative path inside src/)`;
  }
  if (!WEB_PACKAGES.includes(packageOf(specifier))) {
    return `imports the npm package "${specifier}", which is not one of ${WEB_PACKAGES.join(", ")}`;
  }
  return null;
}

/**
 * Every import of a source file, static and dynamic, outside comments and strings:
 * `{ specifier, line }`; a dynamic import of a computed value has `specifier: null`.
 */
export function importsOf(text) {
  const { code, bare } = mask(text);
  const found = [];
  for (const match of bare.matchAll(STATIC_IMPORT)) {
    const end = match.index + match[0].length - 1;
    const start = end - match[2].length;
    found.push({ specifier: code.slice(start, end), line: lineOf(code, start) });
  }
  for (const match of bare.matchAll(DYNAMIC_IMPORT)) {
    const quote = match[1];
    const at = match.index + match[0].length - quote.length;
    const literal = ["'", '"', "`"].includes(quote);
    const specifier = literal ? code.slice(at + 1, bare.indexOf(quote, at + 1)) : null;
    found.push({ specifier, line: lineOf(code, at) });
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Every use of `Deno`, `Bun`, `process` or `require` outside comments and strings: `{ name, line }`. */
export function runtimeGlobalsOf(text) {
  const { code, bare } = mask(text);
  const found = [...bare.matchAll(RUNTIME_GLOBAL)].map((match) => ({
    name: match[1] ?? match[2] ?? match[3],
    line: lineOf(bare, match.index + 1),
  }));
  for (const match of code.matchAll(RUNTIME_GLOBAL_BY_NAME)) {
    found.push({ name: match[1], line: lineOf(code, match.index) });
  }
  return found.sort((a, b) => a.line - b.line);
}

/** Every violation in one source file: `{ path, line, problem }`. */
export function scanSource(path, text, root = ".") {
  const found = [];
  for (const { specifier, line } of importsOf(text)) {
    const problem = specifier === null
      ? "has a dynamic import() of a computed specifier"
      : importProblem(specifier, path, root);
    if (problem) found.push({ path, line, problem });
  }
  for (const { name, line } of runtimeGlobalsOf(text)) {
    found.push({ path, line, problem: `uses ${name}` });
  }
  return found;
}

function* sourceFiles(dir) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.(ts|tsx|mts)$/.test(name)) yield path;
  }
}

/** Scans every TypeScript file under `dir` (default `src`). */
export function checkTree(dir = "src", root = ".") {
  const found = [];
  for (const path of sourceFiles(join(root, dir))) {
    found.push(...scanSource(relative(root, path), readFileSync(path, "utf8"), root));
  }
  return found;
}

const invokedDirectly = process.argv[1] &&
  import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  const found = checkTree("src", root);
  if (found.length) {
    console.error(
      "src/ must stay web-standard and never import adapters/ or workers/ (DESIGN.md §2):\n" +
        found.map((f) => `${f.path}:${f.line}: ${f.problem}`).join("\n"),
    );
    process.exit(1);
  }
  console.log("boundary ok: src/ is web-standard and imports no adapter, worker or runtime module");
}
