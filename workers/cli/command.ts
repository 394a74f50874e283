/**
 * The shape of a `stem` command. A new command is one file exporting a {@link Command} (a leaf
 * such as `stem worker`) or a {@link CommandGroup} (`stem keys generate`, later `stem tasks list`)
 * plus one line in `commands.ts`; parsing, `--help`, exit codes and error lines come from the
 * dispatcher in `main.ts`.
 *
 * @module
 */
import type { EnvSource } from "../../src/config/env_source.ts";
import type { OptionSpecs, ParsedArgs, PositionalSpec } from "./args.ts";
import type { CliIo } from "./output.ts";

/** What a running command may use besides its arguments. */
export interface CommandContext {
  /** Output streams. */
  io: CliIo;
  /** The environment `STEM_*` settings are read from. */
  env: EnvSource;
  /** Values never to print (tokens, passwords); error lines replace them with `***`. */
  secrets: Set<string>;
}

/** A command that runs: `stem worker`, `stem keys generate`. */
export interface Command {
  /** The word that selects it. */
  name: string;
  /** One line for the command list and the top of `--help`. */
  summary: string;
  /** More help text (examples, environment variables), shown by `--help`. */
  details?: string;
  /** Flags (`--help` is added by the dispatcher). */
  options: OptionSpecs;
  /** Positional arguments. @default none */
  positionals?: PositionalSpec;
  /** Runs it; resolves with the exit code (`undefined` = 0). Throw `UsageError` for bad input. */
  run(args: ParsedArgs, context: CommandContext): Promise<number | void>;
  /**
   * Subcommands selected by the first argument (`stem worker ping`); any other first argument
   * runs this command itself. @default none
   */
  subcommands?: Command[];
}

/** A word that groups subcommands: `stem keys <command>`. */
export interface CommandGroup {
  /** The word that selects it. */
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Its subcommands. */
  commands: Command[];
}

/** An entry of the command registry. */
export type CommandEntry = Command | CommandGroup;

/** True for a group of subcommands. */
export function isGroup(entry: CommandEntry): entry is CommandGroup {
  return "commands" in entry;
}

function optionLabel(name: string, spec: OptionSpecs[string]): string {
  const short = spec.short ? `-${spec.short}, ` : "";
  const value = spec.type === "string" ? ` ${spec.valueName ?? "VALUE"}` : "";
  return `${short}--${name}${value}`;
}

function table(rows: [string, string][]): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

/** The `--help` text of a command; `path` is e.g. `"stem keys generate"`. */
export function commandHelp(path: string, command: Command): string {
  const names = command.positionals?.names ?? [];
  const min = command.positionals?.min ?? names.length;
  const args = names.map((n, i) => (i < min ? `<${n}>` : `[${n}]`)).join(" ");
  const rows: [string, string][] = Object.entries(command.options).map((
    [name, spec],
  ) => [optionLabel(name, spec), spec.description]);
  rows.push(["-h, --help", "Show this help."]);
  const lines = [`Usage: ${path}${args ? ` ${args}` : ""} [options]`, "", command.summary];
  lines.push("", "Options:", ...table(rows));
  if (command.details) lines.push("", command.details);
  return lines.join("\n");
}

/** The help text of a group or of the whole CLI: its commands, one line each. */
export function listHelp(path: string, entries: CommandEntry[], intro?: string): string {
  const rows: [string, string][] = entries.map((e) => [e.name, e.summary]);
  const lines = [`Usage: ${path} <command> [options]`];
  if (intro) lines.push("", intro);
  lines.push(
    "",
    "Commands:",
    ...table(rows),
    "",
    `Run "${path} <command> --help" for its options.`,
  );
  return lines.join("\n");
}
