import { ConfigError } from "./config_error.ts";

/**
 * Where settings come from: a plain record (Cloudflare Workers `env`, `process.env`) or anything
 * with `get(name)` (such as `Deno.env`).
 */
export type EnvSource =
  | { get(name: string): string | undefined }
  | Readonly<Record<string, unknown>>;

let registeredSource: (() => EnvSource | undefined) | undefined;

/**
 * Sets where `StemConfig.fromEnvironment()` reads when called without an argument. `src/` cannot
 * touch `Deno.env` or `process.env`, so the composition root (`app.ts`) registers a reader.
 */
export function setDefaultEnvSource(source: () => EnvSource | undefined): void {
  registeredSource = source;
}

/** The registered process environment; throws a `TypeError` saying what to pass when there is none. */
export function defaultEnvSource(): EnvSource {
  const source = registeredSource?.();
  if (source === undefined) {
    throw new TypeError(
      "StemConfig.fromEnvironment() has no environment to read here: pass one " +
        '(the Workers `env`, or the process environment object), or import "@stem/stem", which registers the process environment.',
    );
  }
  return source;
}

/** Reads variables from an {@link EnvSource}; empty strings count as unset. */
export class EnvReader {
  readonly #source: EnvSource;

  /** Wraps `source`. */
  constructor(source: EnvSource) {
    if (source === null || typeof source !== "object") {
      throw new TypeError(
        "StemConfig.fromEnvironment() needs an environment: pass the Deno env, the process env or a Workers env object.",
      );
    }
    this.#source = source;
  }

  /** The trimmed value of `name`, or `undefined` when unset or empty. */
  string(name: string): string | undefined {
    const source = this.#source as { get?: unknown } & Record<string, unknown>;
    const raw = typeof source.get === "function"
      ? (source.get as (n: string) => unknown)(name)
      : source[name];
    if (raw === undefined || raw === null) return undefined;
    if (typeof raw !== "string") {
      throw new ConfigError(name, `must be a string, but the environment holds a ${typeof raw}.`);
    }
    const value = raw.trim();
    return value === "" ? undefined : value;
  }

  /** A comma-separated list, trimmed, empties dropped; `undefined` when unset. */
  list(name: string): string[] | undefined {
    const value = this.string(name);
    if (value === undefined) return undefined;
    const items = value.split(",").map((item) => item.trim()).filter(Boolean);
    return items.length ? items : undefined;
  }

  /** A boolean (`true/false`, `1/0`, `yes/no`, `on/off`), or `fallback` when unset. */
  boolean(name: string, fallback: boolean): boolean {
    const value = this.string(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (["true", "1", "yes", "on"].includes(value)) return true;
    if (["false", "0", "no", "off"].includes(value)) return false;
    throw new ConfigError(name, `must be true or false, not "${value}".`);
  }

  /** An integer of at least `min`, or `fallback` when unset. */
  integer(name: string, fallback: number, min: number): number {
    const value = this.string(name);
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isInteger(number) || number < min) {
      throw new ConfigError(name, `must be an integer of at least ${min}, not "${value}".`);
    }
    return number;
  }
}
