/**
 * Where CLI commands write, and how an error becomes the one line a person reads: prefixed with
 * the command, on one line, without a stack trace and without passwords or tokens.
 *
 * @module
 */
import { redactUrl } from "../../src/core/adapter.ts";

/** Exit codes (sysexits.h): 0 ok, 64 usage error, 70 runtime error. */
export const ExitCode = {
  ok: 0,
  usage: 64,
  runtime: 70,
} as const;

/** Where a command writes; tests pass their own to capture output. */
export interface CliIo {
  /** Writes one line of output (data, progress) to stdout. */
  out(line: string): void;
  /** Writes one line of diagnostics to stderr. */
  err(line: string): void;
}

/** The process's stdout and stderr. */
export const consoleIo: CliIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** Prints `value` as indented JSON on stdout (for `--json`). */
export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}

const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>`]+/gi;

/**
 * Redacts every URL in `text` (its password and `token`/`password` query values) and every
 * string in `secrets`, then folds it onto one line.
 */
export function redactText(text: string, secrets: Iterable<string> = []): string {
  let safe = text.replace(URL_IN_TEXT, (url) => redactUrl(url));
  for (const secret of secrets) {
    // Very short values would blank out ordinary words; such secrets are not worth hiding anyway.
    if (secret.length >= 4) safe = safe.replaceAll(secret, "***");
  }
  return safe.replace(/\s+/g, " ").trim();
}

/** The message of anything thrown, without its stack. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}

/** `stem <command>: <message>` as one redacted line. */
export function errorLine(command: string, error: unknown, secrets?: Iterable<string>): string {
  return `${command}: ${redactText(messageOf(error), secrets)}`;
}

/** Prints rows under a header as aligned columns; an empty list prints `empty` instead. */
export function printTable(
  io: CliIo,
  header: string[],
  rows: (string | number)[][],
  empty = "(none)",
): void {
  if (!rows.length) return io.out(empty);
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  for (const row of cells) {
    io.out(row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i])).join("  "));
  }
}
