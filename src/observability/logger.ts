import { type Clock, systemClock } from "../core/clock.ts";
/** Severity of a log record. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** Structured fields of a log record; values should be JSON-friendly. */
export type LogFields = Record<string, unknown>;

/**
 * Where Stem's own diagnostics go. Every part of the library logs through this port, never through
 * `console`, so an application decides what is printed. Silent by default.
 */
export interface Logger {
  /** Verbose detail for debugging. */
  debug(message: string, fields?: LogFields): void;
  /** Normal operation worth noting (a worker started consuming). */
  info(message: string, fields?: LogFields): void;
  /** Something went wrong and Stem recovers (a reconnect, a retried settle). */
  warn(message: string, fields?: LogFields): void;
  /** Something went wrong that needs a person (a task could not be settled). */
  error(message: string, fields?: LogFields): void;
}

const noop = (): void => {};

/** A logger that drops everything: the default. */
export const silentLogger: Logger = { debug: noop, info: noop, warn: noop, error: noop };

/** Options of {@link consoleLogger}. */
export interface ConsoleLoggerOptions {
  /** Lowest level printed. @default "info" */
  level?: LogLevel;
  /** Printed before every message (text format). @default "[stem]" */
  prefix?: string;
  /**
   * `"text"`: `[stem] message {"fields":…}`; `"json"`: one JSON object per line
   * (`{"time":…,"level":"warn","msg":…,…fields}`) for log collectors. @default "text"
   */
  format?: LogFormat;
  /** Time source of the `time` field of JSON lines. @default systemClock */
  clock?: Pick<Clock, "now">;
}

/** How {@link consoleLogger} writes a record. */
export type LogFormat = "text" | "json";

/** The levels, lowest first (`STEM_LOG_LEVEL` takes one). */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

const ORDER: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/**
 * A logger that prints to the console, one line per record: text with its fields as JSON, or
 * (`format: "json"`) one JSON object per line.
 *
 * @example
 * ```ts
 * import { consoleLogger } from "./logger.ts";
 * const logger = consoleLogger({ level: "warn" });
 * logger.warn("Lost the broker connection; retrying", { attempt: 2 });
 * ```
 */
export function consoleLogger(options: ConsoleLoggerOptions = {}): Logger {
  const min = ORDER[options.level ?? "info"];
  const prefix = options.prefix ?? "[stem]";
  const json = options.format === "json";
  const clock = options.clock ?? systemClock;
  const line = (level: LogLevel, message: string, fields?: LogFields): void => {
    if (ORDER[level] < min) return;
    const text = json
      ? formatFields({ time: new Date(clock.now()).toISOString(), level, msg: message, ...fields })
      : fields && Object.keys(fields).length > 0
      ? `${prefix} ${message} ${formatFields(fields)}`
      : `${prefix} ${message}`;
    // deno-lint-ignore no-console
    console[level === "debug" ? "log" : level](text);
  };
  return {
    debug: (m, f) => line("debug", m, f),
    info: (m, f) => line("info", m, f),
    warn: (m, f) => line("warn", m, f),
    error: (m, f) => line("error", m, f),
  };
}

/** Renders fields as JSON; errors become their name and message so no stack is printed. */
export function formatFields(fields: LogFields): string {
  try {
    return JSON.stringify(fields, (_key, value) => {
      if (value instanceof Error) return `${value.name}: ${value.message}`;
      if (typeof value === "bigint") return value.toString();
      return value;
    });
  } catch {
    return "{unprintable fields}";
  }
}
