/**
 * Flag parsing for every `stem` command: `node:util` `parseArgs` in strict mode, so an unknown
 * flag is a usage error naming it, and `--flag=value` and `--flag value` both work.
 *
 * @module
 */
import { parseArgs } from "node:util";

/** One flag of a command: its parse type plus what `--help` says about it. */
export interface OptionSpec {
  /** `"string"` takes a value; `"boolean"` does not. */
  type: "string" | "boolean";
  /** One-letter alias, e.g. `"h"` for `-h`. */
  short?: string;
  /** The flag may repeat; its values arrive as an array. */
  multiple?: boolean;
  /** Placeholder in help, e.g. `"URL"`. @default "VALUE" */
  valueName?: string;
  /** One line for `--help`. */
  description: string;
  /** Its value is a secret (a token): never echoed in errors. */
  secret?: boolean;
}

/** A command's flags by long name (without `--`). */
export type OptionSpecs = Record<string, OptionSpec>;

/** Parsed flag values by long name. */
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

/** What a command receives after parsing. */
export interface ParsedArgs {
  /** Flag values by long name. */
  values: OptionValues;
  /** Arguments that are not flags, in order. */
  positionals: string[];
}

/** How many positional arguments a command takes. */
export interface PositionalSpec {
  /** Names for usage text and errors, e.g. `["tasks-module"]`. */
  names: string[];
  /** Fewest accepted. @default names.length */
  min?: number;
}

/** The command line is wrong (exit 64); the message says how. */
export class UsageError extends Error {
  /** Creates the error. */
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** True when `--help` or `-h` appears before any `--`. */
export function wantsHelp(args: string[]): boolean {
  for (const arg of args) {
    if (arg === "--") return false;
    if (arg === "--help" || arg === "-h") return true;
  }
  return false;
}

function parseError(error: unknown): UsageError {
  const { code, message } = error as { code?: string; message?: string };
  const flag = /'([^' ]+)/.exec(message ?? "")?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return new UsageError(`Unknown option "${flag}"`);
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return new UsageError(
        /does not take/.test(message ?? "")
          ? `Option "${flag}" does not take a value`
          : `Option "${flag}" needs a value`,
      );
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return new UsageError(`Unexpected argument "${flag}"`);
    default:
      return new UsageError(message ?? String(error));
  }
}

/** Parses `args` against `options` and checks the positional count; throws {@link UsageError}. */
export function parseCommandArgs(
  args: string[],
  options: OptionSpecs,
  positionals: PositionalSpec = { names: [] },
): ParsedArgs {
  const config: Record<string, { type: "string" | "boolean"; short?: string; multiple?: boolean }> =
    {};
  for (const [name, spec] of Object.entries(options)) {
    config[name] = { type: spec.type };
    if (spec.short) config[name].short = spec.short;
    if (spec.multiple) config[name].multiple = true;
  }
  let parsed;
  try {
    parsed = parseArgs({ args, options: config, strict: true, allowPositionals: true });
  } catch (error) {
    throw parseError(error);
  }
  const min = positionals.min ?? positionals.names.length;
  if (parsed.positionals.length < min) {
    throw new UsageError(`Missing <${positionals.names[parsed.positionals.length]}>`);
  }
  if (parsed.positionals.length > positionals.names.length) {
    throw new UsageError(`Unexpected argument "${parsed.positionals[positionals.names.length]}"`);
  }
  return { values: parsed.values as OptionValues, positionals: parsed.positionals };
}

/** The value of a string flag (the last one when repeated). */
export function stringFlag(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (Array.isArray(value)) return value.at(-1);
  return typeof value === "string" ? value : undefined;
}

/** An integer flag of at least `min`; a malformed value is a usage error naming the flag. */
export function integerFlag(values: OptionValues, name: string, min: number): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  const number = Number(text);
  if (text.trim() === "" || !Number.isInteger(number) || number < min) {
    throw new UsageError(`--${name} must be an integer of at least ${min}, not "${text}"`);
  }
  return number;
}

/** Comma-separated values of one or more (repeatable) flags, merged; `undefined` when none. */
export function listFlag(values: OptionValues, ...names: string[]): string[] | undefined {
  const items: string[] = [];
  for (const name of names) {
    const value = values[name];
    const texts = Array.isArray(value) ? value : typeof value === "string" ? [value] : [];
    for (const text of texts) items.push(...text.split(",").map((s) => s.trim()).filter(Boolean));
  }
  return items.length ? [...new Set(items)] : undefined;
}
