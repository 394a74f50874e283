/**
 * A small client for the Upstash REST protocol over `fetch`: `POST /` with a JSON command array,
 * `POST /pipeline` and `POST /multi-exec` with an array of them, a Bearer token, and
 * `Upstash-Encoding: base64` replies. Every request is bounded by a timeout.
 *
 * @module
 */
import { RedisAuthError, RedisConnectionError, RedisTimeoutError } from "../errors.ts";
import { realSleep, type Sleep } from "../loading_wait.ts";
import { RedisCommandError, type RedisReply } from "../transport.ts";

/** Settings of a {@link RestClient}. */
export interface RestClientOptions {
  /** Base URL without credentials, e.g. `https://eu1-x.upstash.io`. */
  url: string;
  /** Bearer token. */
  token: string;
  /** Bound of one HTTP request in ms. */
  timeoutMs: number;
  /** Extra attempts for a read-only command after a network failure or a 429/502/503/504. */
  retries: number;
  /** The fetch to use. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Waits between attempts. */
  sleep?: Sleep;
}

/** One command's answer inside a pipeline: a reply or the server's error text. */
export type RestOutcome = { result: RedisReply } | { error: string };

// Commands that change nothing: repeating one after an unclear failure is harmless. Writes and
// scripts are sent once, since a request that timed out may still have run.
const READ_ONLY = new Set([
  "PING",
  "GET",
  "MGET",
  "EXISTS",
  "TYPE",
  "TTL",
  "PTTL",
  "STRLEN",
  "HGET",
  "HMGET",
  "HGETALL",
  "HLEN",
  "HEXISTS",
  "SMEMBERS",
  "SCARD",
  "SISMEMBER",
  "LRANGE",
  "LLEN",
  "ZRANGE",
  "ZRANGEBYSCORE",
  "ZCARD",
  "ZSCORE",
  "ZCOUNT",
  "XRANGE",
  "XREVRANGE",
  "XLEN",
  "XPENDING",
  "XINFO",
  "SCAN",
  "DBSIZE",
  "TIME",
  "EVALSHA_RO",
  "EVAL_RO",
]);
const RETRY_STATUS = new Set([429, 502, 503, 504]);

/** Sends commands to an Upstash-compatible REST endpoint. */
export class RestClient {
  readonly #url: string;
  readonly #headers: Record<string, string>;
  readonly #timeoutMs: number;
  readonly #retries: number;
  readonly #fetch: typeof fetch;
  readonly #sleep: Sleep;

  /** Creates the client; no request is made until the first command. */
  constructor(options: RestClientOptions) {
    this.#url = options.url.replace(/\/$/, "");
    this.#headers = {
      authorization: `Bearer ${options.token}`,
      "content-type": "application/json",
      "upstash-encoding": "base64",
    };
    this.#timeoutMs = options.timeoutMs;
    this.#retries = options.retries;
    this.#fetch = options.fetch ?? ((input, init) => fetch(input, init));
    this.#sleep = options.sleep ?? realSleep;
  }

  /** Runs one command (`POST /`); an error reply rejects with {@link RedisCommandError}. */
  async command(args: string[]): Promise<RedisReply> {
    const body = await this.#post("/", args, isReadOnly(args));
    return unwrap(body as RestOutcome);
  }

  /** Runs commands in one request (`POST /pipeline`), not atomically; one outcome each. */
  async pipeline(commands: string[][]): Promise<RestOutcome[]> {
    const body = await this.#post("/pipeline", commands, commands.every(isReadOnly));
    return decodeOutcomes(body, commands.length);
  }

  /** Runs commands atomically (`POST /multi-exec`); one outcome each. */
  async multiExec(commands: string[][]): Promise<RestOutcome[]> {
    const body = await this.#post("/multi-exec", commands, false);
    return decodeOutcomes(body, commands.length);
  }

  async #post(path: string, payload: unknown, retryable: boolean): Promise<unknown> {
    const attempts = retryable ? this.#retries + 1 : 1;
    for (let attempt = 1;; attempt++) {
      try {
        return await this.#once(path, payload);
      } catch (error) {
        if (attempt >= attempts || !(error as Transient)[TRANSIENT]) throw error;
        await this.#sleep(Math.min(1_000, 50 * 2 ** attempt));
      }
    }
  }

  async #once(path: string, payload: unknown): Promise<unknown> {
    let response: Response;
    let text: string;
    try {
      response = await this.#fetch(`${this.#url}${path === "/" ? "" : path}`, {
        method: "POST",
        headers: this.#headers,
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error)?.name;
      if (name === "TimeoutError" || name === "AbortError") {
        throw transient(
          new RedisTimeoutError(this.#url, this.#timeoutMs, "no HTTP response", { cause: error }),
        );
      }
      throw transient(
        new RedisConnectionError(this.#url, String((error as Error)?.message ?? error), {
          cause: error,
        }),
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    const serverError = typeof (body as { error?: unknown })?.error === "string"
      ? (body as { error: string }).error
      : undefined;
    if (response.status === 401 || response.status === 403) {
      throw new RedisAuthError(this.#url, serverError ?? `HTTP ${response.status}`);
    }
    if (body === undefined || RETRY_STATUS.has(response.status)) {
      const detail = `HTTP ${response.status} with ${
        body === undefined ? "a body that is not JSON" : `"${serverError ?? "no error"}"`
      } (is this an Upstash REST endpoint?)`;
      const error = new RedisConnectionError(this.#url, detail);
      throw RETRY_STATUS.has(response.status) ? transient(error) : error;
    }
    if (!response.ok && serverError === undefined) {
      throw new RedisConnectionError(this.#url, `HTTP ${response.status}`);
    }
    return body;
  }
}

const TRANSIENT = Symbol("transient");
type Transient = { [TRANSIENT]?: true };

function transient<E extends Error>(error: E): E {
  (error as Transient)[TRANSIENT] = true;
  return error;
}

function isReadOnly(args: string[]): boolean {
  return READ_ONLY.has((args[0] ?? "").toUpperCase());
}

function unwrap(outcome: RestOutcome): RedisReply {
  if ("error" in outcome && typeof outcome.error === "string") {
    throw new RedisCommandError(outcome.error);
  }
  return decodeReply((outcome as { result?: unknown }).result, true);
}

function decodeOutcomes(body: unknown, count: number): RestOutcome[] {
  if (!Array.isArray(body)) {
    const error = (body as { error?: unknown })?.error;
    if (typeof error === "string") throw new RedisCommandError(error);
    throw new RedisCommandError(`ERR expected ${count} replies, got ${JSON.stringify(body)}`);
  }
  return body.map((o: { result?: unknown; error?: unknown }) =>
    typeof o?.error === "string" ? { error: o.error } : { result: decodeReply(o?.result, true) }
  );
}

/**
 * Undoes `Upstash-Encoding: base64`: every string is base64 of its UTF-8 bytes except a
 * top-level `"OK"` status, which the servers send verbatim.
 */
export function decodeReply(value: unknown, top = false): RedisReply {
  if (value === undefined || value === null) return null;
  if (typeof value === "number") return value;
  if (typeof value === "string") return top && value === "OK" ? value : fromBase64(value);
  if (Array.isArray(value)) return value.map((v) => decodeReply(v));
  return null;
}

const utf8 = new TextDecoder();

function fromBase64(text: string): string {
  try {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return utf8.decode(bytes);
  } catch {
    return text;
  }
}
