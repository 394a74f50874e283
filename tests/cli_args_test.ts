import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { main } from "../workers/cli/main.ts";
import { COMMANDS } from "../workers/cli/commands.ts";
import { isGroup } from "../workers/cli/command.ts";
import { listFlag, parseCommandArgs, UsageError } from "../workers/cli/args.ts";
import { redactText } from "../workers/cli/output.ts";
import { freePort } from "./helpers/free_port.ts";
import { runCli } from "./helpers/cli_process.ts";
import process from "node:process";
import { readdirSync, readFileSync } from "node:fs";
import { StemConfig } from "../src/config/stem_config.ts";
import { overlayEnv, readVariable, runtimeEnv } from "../workers/runtime/env.ts";

interface Captured {
  code: number;
  out: string[];
  err: string[];
}

async function stem(args: string[], env: Record<string, string> = {}): Promise<Captured> {
  const out: string[] = [];
  const err: string[] = [];
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
  const code = await main(args, { io, env });
  return { code, out, err };
}

/** Every runnable command path: ["worker"], ["keys", "generate"], ... */
function commandPaths(): string[][] {
  return COMMANDS.flatMap((entry) =>
    isGroup(entry) ? entry.commands.map((c) => [entry.name, c.name]) : [[entry.name]]
  );
}

describe("stem argument parsing", () => {
  test("--help and -h on every command print its usage and exit 0", async () => {
    assert.ok(commandPaths().length >= 3);
    for (const path of commandPaths()) {
      for (const flag of ["--help", "-h"]) {
        const r = await stem([...path, flag]);
        assert.equal(r.code, 0, `${path.join(" ")} ${flag}: ${r.err.join("\n")}`);
        assert.match(r.out.join("\n"), new RegExp(`^Usage: stem ${path.join(" ")}\\b`));
        assert.match(r.out.join("\n"), /-h, --help/);
      }
    }
  });

  test("--help wins over missing arguments and other flags", async () => {
    const r = await stem(["worker", "--concurrency", "x", "--help"]);
    assert.equal(r.code, 0);
    assert.match(r.out[0], /^Usage: stem worker <tasks-module> \[options\]/);
  });

  test("groups and the top level list their commands; help <command> shows its usage", async () => {
    const top = await stem(["--help"]);
    assert.equal(top.code, 0);
    for (const entry of COMMANDS) assert.match(top.out[0], new RegExp(`\\n  ${entry.name} `));
    const keys = await stem(["keys", "--help"]);
    assert.equal(keys.code, 0);
    assert.match(keys.out[0], /\n {2}generate /);
    const help = await stem(["help", "worker"]);
    assert.equal(help.code, 0);
    assert.match(help.out[0], /^Usage: stem worker /);
  });

  test("no command, an unknown command or a group without its subcommand exit 64", async () => {
    for (const args of [[], ["nope"], ["keys"], ["keys", "nope"]]) {
      const r = await stem(args);
      assert.equal(r.code, 64, args.join(" "));
      assert.equal(r.out.length, 0);
    }
    assert.deepEqual((await stem(["nope"])).err, [
      'stem: Unknown command "nope" (see "stem --help")',
    ]);
  });

  test("an unknown flag is a usage error (64) naming the flag, on one line", async () => {
    for (const path of commandPaths()) {
      const r = await stem([...path, "--no-such-flag"]);
      assert.equal(r.code, 64, path.join(" "));
      assert.equal(r.err.length, 1);
      assert.equal(
        r.err[0],
        `stem ${path.join(" ")}: Unknown option "--no-such-flag" (see "stem ${
          path.join(" ")
        } --help")`,
      );
    }
  });

  test("--flag=value and --flag value are the same", async () => {
    const spaced = await stem([
      "keys",
      "generate",
      "--algorithm",
      "aes-gcm",
      "--key-id",
      "a1",
      "--json",
    ]);
    const joined = await stem(["keys", "generate", "--algorithm=aes-gcm", "--key-id=a1", "--json"]);
    assert.equal(spaced.code, 0);
    assert.equal(joined.code, 0);
    const a = JSON.parse(spaced.out.join("\n"));
    const b = JSON.parse(joined.out.join("\n"));
    assert.equal(a.keyId, "a1");
    assert.equal(b.keyId, "a1");
    assert.deepEqual(Object.keys(a.env), Object.keys(b.env));
    assert.deepEqual(Object.keys(a.env), ["STEM_ENCRYPTION_KEYS", "STEM_ENCRYPTION_ACTIVE_KEY"]);
  });

  test("a flag value that is wrong, missing or not wanted is a usage error naming the flag", async () => {
    const cases: [string[], string][] = [
      [
        ["worker", "t.ts", "--concurrency", "zero"],
        '--concurrency must be an integer of at least 1, not "zero"',
      ],
      [["worker", "t.ts", "--concurrency"], 'Option "--concurrency" needs a value'],
      [["keys", "generate", "--json=yes"], 'Option "--json" does not take a value'],
      [["worker"], "Missing <tasks-module>"],
      [["worker", "a.ts", "b.ts"], 'Unexpected argument "b.ts"'],
      [["keys", "generate", "--algorithm", "rsa"], 'Unknown algorithm "rsa"'],
    ];
    for (const [args, message] of cases) {
      const r = await stem(args);
      assert.equal(r.code, 64, args.join(" "));
      assert.equal(r.err.length, 1);
      assert.ok(r.err[0].includes(message), `${r.err[0]} should include ${message}`);
    }
  });

  test("--queue repeats and merges with --queues; commas split", () => {
    const { values } = parseCommandArgs(
      ["--queue", "a", "--queue=b,c", "--queues", "c, d"],
      {
        queue: { type: "string", multiple: true, description: "" },
        queues: { type: "string", description: "" },
      },
    );
    assert.deepEqual(listFlag(values, "queue", "queues"), ["a", "b", "c", "d"]);
    assert.throws(() => parseCommandArgs(["-x"], {}), UsageError);
  });

  test("error lines redact URL passwords and tokens and fold onto one line", () => {
    const line = redactText(
      "Could not reach redis://:hunter22@db:6379/0\n    at connect (x.ts:1)\nhttps://h/?token=abc123",
      ["s3cr3t-value"],
    );
    assert.equal(
      line,
      "Could not reach redis://:***@db:6379/0 at connect (x.ts:1) https://h/?token=***",
    );
    assert.equal(redactText("key s3cr3t-value leaked", ["s3cr3t-value"]), "key *** leaked");
  });
});

describe("stem in the docs", () => {
  test("every stem command line in README.md and docs/ uses flags the command has", () => {
    const files = ["README.md", ...readdirSync("docs").map((f) => `docs/${f}`)];
    const invocation =
      /(?:\bstem|workers\/cli(?:\/main)?\.ts|jsr:@stem\/stem\/cli)\s+(worker|observe|redis-http|keys\s+generate)\b([^`#|&\n]*)/g;
    let checked = 0;
    for (const file of files.filter((f) => f.endsWith(".md"))) {
      for (const match of readFileSync(file, "utf8").matchAll(invocation)) {
        const [group, sub] = match[1].split(/\s+/);
        const entry = COMMANDS.find((e) => e.name === group)!;
        let command = isGroup(entry) ? entry.commands.find((c) => c.name === sub)! : entry;
        let tokens = match[2].trim().split(/\s+/);
        // `stem worker ping …`: a leaf command's subcommand is its first word.
        const leafSub = isGroup(entry)
          ? undefined
          : entry.subcommands?.find((c) => c.name === tokens[0]);
        if (leafSub) [command, tokens] = [leafSub, tokens.slice(1)];
        for (const token of tokens) {
          if (!token.startsWith("--") || token === "--" || token.endsWith("...")) continue;
          const flag = token.slice(2).split("=")[0];
          assert.ok(
            flag === "help" || flag in command.options,
            `${file}: "${match[0].trim()}" uses --${flag}, which stem ${match[1]} does not have`,
          );
          checked++;
        }
      }
    }
    assert.ok(checked >= 10, `only ${checked} flags found in the docs`);
  });
});

describe("workers/runtime/env.ts", () => {
  test("runtimeEnv() is the process environment of this runtime; overlays win over it", () => {
    process.env.STEM_CLI_TEST_QUEUE = "from-process";
    try {
      assert.equal(readVariable(runtimeEnv(), "STEM_CLI_TEST_QUEUE"), "from-process");
      const env = overlayEnv(runtimeEnv(), {
        STEM_BROKER_URL: "memory://",
        STEM_DEFAULT_QUEUE: readVariable(runtimeEnv(), "STEM_CLI_TEST_QUEUE"),
        STEM_PREFETCH_MULTIPLIER: undefined,
      });
      const config = StemConfig.fromEnvironment(env);
      assert.equal(config.defaultQueue, "from-process");
      assert.equal(config.brokerUrl, "memory://");
    } finally {
      delete process.env.STEM_CLI_TEST_QUEUE;
    }
  });
});

describe("stem as a process", () => {
  test("an unknown flag exits 64 with one line on stderr and nothing on stdout", () => {
    const r = runCli(["worker", "tests/fixtures/cli_tasks.ts", "--bogus=1"]);
    assert.equal(r.status, 64, r.stderr);
    assert.equal(r.stdout, "");
    assert.equal(
      r.stderr.trim(),
      'stem worker: Unknown option "--bogus" (see "stem worker --help")',
    );
  });

  test("a runtime error exits 70 with one line, no stack trace and no password", async () => {
    const port = await freePort();
    const url = `redis://:hunter2-very-secret@127.0.0.1:${port}/0`;
    const r = runCli(["worker", "tests/fixtures/cli_tasks.ts", "--broker", url]);
    assert.equal(r.status, 70, r.stdout + r.stderr);
    const lines = r.stderr.trim().split("\n");
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0],
      /^stem worker: Could not connect to Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:/,
    );
    assert.doesNotMatch(r.stderr + r.stdout, /hunter2/);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.doesNotMatch(r.stdout, /consuming/);
  });

  test("a bad STEM_* variable exits 70 naming the variable", () => {
    const r = runCli(["worker", "tests/fixtures/cli_tasks.ts"], {
      STEM_BROKER_URL: "memory://",
      STEM_PREFETCH_MULTIPLIER: "lots",
    });
    assert.equal(r.status, 70, r.stderr);
    assert.equal(
      r.stderr.trim(),
      'stem worker: STEM_PREFETCH_MULTIPLIER must be an integer of at least 1, not "lots".',
    );
  });

  test("stem --help exits 0 on stdout", () => {
    const r = runCli(["--help"]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^Usage: stem <command> \[options\]/);
  });
});
