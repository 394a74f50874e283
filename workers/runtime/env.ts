/**
 * The process environment of the runtime running Stem (Deno or Bun/Node), as an `EnvSource` for
 * `StemConfig.fromEnvironment()`. `src/` never reads a global environment; entry points do, here.
 *
 * @module
 */
import type { EnvSource } from "../../src/config/env_source.ts";

type DenoEnv = { get(name: string): string | undefined };
type ProcessEnv = Record<string, string | undefined>;

/** `Deno.env` on Deno, `process.env` on Bun and Node, an empty record elsewhere (edge hosts). */
export function runtimeEnv(): EnvSource {
  const g = globalThis as { Deno?: { env?: DenoEnv }; process?: { env?: ProcessEnv } };
  if (g.Deno?.env) return g.Deno.env;
  if (g.process?.env) return g.process.env;
  return {};
}

/** The raw value of `name` in `source` (`get(name)` or a record lookup); `undefined` when unset. */
export function readVariable(source: EnvSource, name: string): string | undefined {
  const env = source as { get?: unknown } & Record<string, unknown>;
  const value = typeof env.get === "function"
    ? (env.get as (n: string) => unknown)(name)
    : env[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** `base` with `overrides` on top; an `undefined` override leaves the base value visible. */
export function overlayEnv(
  base: EnvSource,
  overrides: Record<string, string | undefined>,
): EnvSource {
  return { get: (name: string) => overrides[name] ?? readVariable(base, name) };
}
