/**
 * The flags every command that reads or changes stored state takes (`--broker`, `--backend`,
 * `--json`), and opening a producer-only app from them and the `STEM_*` environment.
 *
 * @module
 */
import type { StemApp } from "../../app.ts";
import { StemConfig } from "../../src/config/stem_config.ts";
import { toMillis } from "../../src/core/duration.ts";
import { overlayEnv, readVariable } from "../runtime/env.ts";
import { type OptionSpecs, type OptionValues, stringFlag, UsageError } from "./args.ts";
import type { CommandContext } from "./command.ts";

/** `--broker`, `--backend` and `--json`. */
export const STORE_OPTIONS: OptionSpecs = {
  broker: {
    type: "string",
    valueName: "URL",
    description: "Broker URL (default $STEM_BROKER_URL, else memory://).",
  },
  backend: {
    type: "string",
    valueName: "URL",
    description: "Result backend URL (default $STEM_RESULT_BACKEND_URL, else the broker).",
  },
  json: { type: "boolean", description: "Print JSON instead of a table." },
};

/** Shared help text of the commands that open stores. */
export const STORE_DETAILS =
  "Environment (flags win): STEM_BROKER_URL, STEM_RESULT_BACKEND_URL, STEM_DEFAULT_QUEUE, " +
  "STEM_TLS_*, STEM_SIGNING_*.";

/** The queue a command acts on: `--queue`, else `STEM_DEFAULT_QUEUE`, else `"default"`. */
export function queueFlag(values: OptionValues, context: CommandContext): string {
  return stringFlag(values, "queue") ?? readVariable(context.env, "STEM_DEFAULT_QUEUE") ??
    "default";
}

/**
 * Opens an app with no tasks (its worker never starts) on the URLs of the flags and the
 * environment, runs `body` with it and closes it, also when `body` throws.
 */
export async function withApp<T>(
  values: OptionValues,
  context: CommandContext,
  body: (app: StemApp) => Promise<T>,
): Promise<T> {
  const env = overlayEnv(context.env, {
    STEM_BROKER_URL: stringFlag(values, "broker") ?? readVariable(context.env, "STEM_BROKER_URL") ??
      "memory://",
    STEM_RESULT_BACKEND_URL: stringFlag(values, "backend"),
  });
  const config = StemConfig.fromEnvironment(env);
  for (const url of [config.brokerUrl, config.resultBackendUrl]) addUrlSecret(context.secrets, url);
  // Loaded here, not at the top, so `stem --help` does not pull in every adapter.
  const { StemApp } = await import("../../app.ts");
  const app = await StemApp.fromEnvironment({ env, autoStart: false });
  try {
    return await body(app);
  } finally {
    await app.close();
  }
}

/** Adds a URL's password and `token` query value to the values error lines redact. */
export function addUrlSecret(secrets: Set<string>, url: string | undefined): void {
  if (!url) return;
  try {
    const parsed = new URL(url);
    if (parsed.password) secrets.add(parsed.password).add(decodeURIComponent(parsed.password));
    const token = parsed.searchParams.get("token");
    if (token) secrets.add(token);
  } catch { /* StemConfig reports malformed URLs */ }
}

/** Parses a JSON flag value, naming the flag in the error. */
export function jsonFlag(values: OptionValues, name: string): unknown {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--${name} must be JSON: ${(error as Error).message}`);
  }
}

/** A `--since`-style time: an ISO date, epoch ms, or a duration ago (`"1h"`). */
export function timeFlag(values: OptionValues, name: string, now: number): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  if (/^\d+$/.test(text)) return Number(text);
  const date = Date.parse(text);
  if (!Number.isNaN(date) && /\d{4}-\d{2}-\d{2}/.test(text)) return date;
  try {
    return now - toMillis(text);
  } catch {
    throw new UsageError(
      `--${name} must be an ISO date, epoch milliseconds or a duration ago such as "1h", not "${text}"`,
    );
  }
}

/** A duration flag such as `--delay 30s`. */
export function durationFlag(values: OptionValues, name: string): number | undefined {
  const text = stringFlag(values, name);
  if (text === undefined) return undefined;
  try {
    return toMillis(text);
  } catch {
    throw new UsageError(`--${name} must be a duration such as "30s", not "${text}"`);
  }
}
