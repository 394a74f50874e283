/**
 * The `stem` command line: `stem <command> [options]`. Exit codes: 0 ok, 64 usage error, 70
 * runtime error; errors print as one line (`stem worker: ...`) without a stack or secrets.
 *
 * Run it with `deno run -A jsr:@stem/stem/cli <command>`, `bunx` / `bun` on an installed copy,
 * or `deno task stem <command>` in this repository.
 *
 * @example
 * ```ts ignore
 * import { main } from "@stem/stem/cli";
 * const code = await main(["keys", "generate", "--algorithm", "ed25519", "--json"]);
 * ```
 *
 * @module
 */
import process from "node:process";
import type { EnvSource } from "../../src/config/env_source.ts";
import { runtimeEnv } from "../runtime/env.ts";
import { parseCommandArgs, UsageError, wantsHelp } from "./args.ts";
import { type Command, type CommandEntry, commandHelp, isGroup, listHelp } from "./command.ts";
import { COMMANDS } from "./commands.ts";
import { type CliIo, consoleIo, errorLine, ExitCode } from "./output.ts";

/** Options of {@link main} (tests pass their own output and environment). */
export interface MainOptions {
  /** Output streams. @default stdout/stderr */
  io?: CliIo;
  /** Environment for `STEM_*` settings. @default the process environment */
  env?: EnvSource;
  /** The command registry. @default every built-in command */
  commands?: readonly CommandEntry[];
}

const INTRO = "Stem: background jobs for Deno and Bun.";

/** Adds every URL password in the arguments, and every secret flag's value, to `secrets`. */
function collectSecrets(args: string[], command: Command, secrets: Set<string>): void {
  for (const arg of args) {
    const text = arg.includes("=") && arg.startsWith("--") ? arg.slice(arg.indexOf("=") + 1) : arg;
    try {
      const password = new URL(text).password;
      if (password) secrets.add(password).add(decodeURIComponent(password));
    } catch { /* not a URL */ }
  }
  for (const [name, spec] of Object.entries(command.options)) {
    if (!spec.secret) continue;
    const i = args.indexOf(`--${name}`);
    if (i >= 0 && args[i + 1]) secrets.add(args[i + 1]);
    const inline = args.find((a) => a.startsWith(`--${name}=`));
    if (inline) secrets.add(inline.slice(name.length + 3));
  }
}

async function runCommand(
  path: string,
  command: Command,
  args: string[],
  options: Required<Omit<MainOptions, "commands">>,
): Promise<number> {
  const { io, env } = options;
  if (wantsHelp(args)) {
    io.out(commandHelp(path, command));
    return ExitCode.ok;
  }
  const secrets = new Set<string>();
  collectSecrets(args, command, secrets);
  try {
    const parsed = parseCommandArgs(args, command.options, command.positionals);
    return (await command.run(parsed, { io, env, secrets })) ?? ExitCode.ok;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${errorLine(path, error, secrets)} (see "${path} --help")`);
      return ExitCode.usage;
    }
    io.err(errorLine(path, error, secrets));
    return ExitCode.runtime;
  }
}

function find(entries: readonly CommandEntry[], name: string): CommandEntry | undefined {
  return entries.find((entry) => entry.name === name);
}

/** Runs `stem` with `args` (without the program name); resolves with the exit code. */
export async function main(args: string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? consoleIo;
  const env = options.env ?? runtimeEnv();
  const commands = [...(options.commands ?? COMMANDS)];
  const [name, ...rest] = args;
  if (name === undefined) {
    io.err(listHelp("stem", commands, INTRO));
    return ExitCode.usage;
  }
  if (name === "--help" || name === "-h") {
    io.out(listHelp("stem", commands, INTRO));
    return ExitCode.ok;
  }
  if (name === "help") return await main([...rest, "--help"], { ...options, io, env });
  const entry = find(commands, name);
  if (!entry) {
    io.err(`stem: Unknown command "${name}" (see "stem --help")`);
    return ExitCode.usage;
  }
  if (!isGroup(entry)) {
    const sub = entry.subcommands?.find((c) => c.name === rest[0]);
    if (sub) return await runCommand(`stem ${name} ${sub.name}`, sub, rest.slice(1), { io, env });
    return await runCommand(`stem ${name}`, entry, rest, { io, env });
  }
  const [sub, ...subArgs] = rest;
  const path = `stem ${name}`;
  if (sub === undefined || sub === "--help" || sub === "-h") {
    const help = listHelp(path, entry.commands, entry.summary);
    if (sub === undefined) io.err(help);
    else io.out(help);
    return sub === undefined ? ExitCode.usage : ExitCode.ok;
  }
  const command = entry.commands.find((c) => c.name === sub);
  if (!command) {
    io.err(`${path}: Unknown command "${sub}" (see "${path} --help")`);
    return ExitCode.usage;
  }
  return await runCommand(`${path} ${sub}`, command, subArgs, { io, env });
}

if (import.meta.main) process.exit(await main(process.argv.slice(2)));
