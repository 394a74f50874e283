/**
 * HTTP transport over the Upstash REST protocol (`@upstash/redis`, the variant that never reads
 * environment variables). No blocking commands and no pub/sub: callers poll.
 *
 * @module
 */
import { Redis } from "@upstash/redis/cloudflare";
import { redactUrl } from "../../../src/core/adapter.ts";
import { RedisConnectionError } from "../errors.ts";
import { ScriptCache } from "../script_cache.ts";
import {
  KEY_LOCKING_SHEBANG,
  RedisCommandError,
  type RedisReply,
  type RedisScript,
  type RedisTransport,
  type StreamWaiter,
} from "../transport.ts";

/** Options for {@link HttpTransport.connect}. */
export interface HttpTransportOptions {
  /** REST token; falls back to the URL password or its `token` query parameter. */
  token?: string;
}

type Exec = (args: [string, ...string[]]) => Promise<unknown>;

/** A {@link RedisTransport} over Upstash REST: one HTTP request per command. */
export class HttpTransport implements RedisTransport {
  /** Always `"http"`. */
  readonly kind = "http" as const;
  readonly #exec: Exec;
  readonly #url: string;
  readonly #scripts = new ScriptCache();
  #count = 0;

  private constructor(exec: Exec, url: string) {
    this.#exec = exec;
    this.#url = url;
  }

  /** Creates the client for `url` (no request is made until the first command). */
  static connect(url: string, options: HttpTransportOptions = {}): HttpTransport {
    const parsed = new URL(url);
    const token = options.token ?? (decodeURIComponent(parsed.password) ||
      parsed.searchParams.get("token") || "");
    if (!token) {
      throw new RangeError(
        `No REST token for ${
          redactUrl(url)
        }: pass { token } or put it in the URL as https://:TOKEN@host.`,
      );
    }
    parsed.username = "";
    parsed.password = "";
    parsed.searchParams.delete("token");
    const base = parsed.toString().replace(/\/$/, "");
    const redis = new Redis({
      url: base,
      token,
      automaticDeserialization: false,
      enableTelemetry: false,
      retry: { retries: 3, backoff: (n: number) => Math.min(1_000, 50 * 2 ** n) },
    });
    return new HttpTransport((args) => redis.exec(args), base);
  }

  /** Commands sent so far (each is one billed command on Upstash). */
  get commandCount(): number {
    return this.#count;
  }

  /** Sends one command as one HTTP request. */
  async command(args: string[]): Promise<RedisReply> {
    this.#count++;
    try {
      return normalise(await this.#exec(args as [string, ...string[]]));
    } catch (error) {
      throw this.#mapError(error);
    }
  }

  /** Sends the commands as parallel requests (each is billed as one command anyway). */
  pipeline(commands: string[][]): Promise<RedisReply[]> {
    return Promise.all(commands.map((c) => this.command(c)));
  }

  /** EVALSHA of the key-locking variant, EVAL on NOSCRIPT (see {@link ScriptCache}). */
  script(script: RedisScript, keys: string[], args: string[]): Promise<RedisReply> {
    const tail = [String(keys.length), ...keys, ...args];
    return this.#scripts.run(
      script.lockingSha,
      () => this.command(["EVALSHA", script.lockingSha, ...tail]),
      () => this.command(["EVAL", KEY_LOCKING_SHEBANG + script.source, ...tail]),
    );
  }

  /** HTTP has no blocking reads. */
  openWaiter(): Promise<StreamWaiter | null> {
    return Promise.resolve(null);
  }

  /** HTTP has no pub/sub here; callers poll. */
  subscribe(): Promise<null> {
    return Promise.resolve(null);
  }

  /** Nothing to close: requests are independent. */
  close(): Promise<void> {
    return Promise.resolve();
  }

  #mapError(error: unknown): Error {
    const e = error as Error;
    if (e?.name === "UpstashError") {
      const message = e.message.split(", command was:")[0].replace(
        /^Command \d+ \[ \w+ \] failed: /,
        "",
      );
      return new RedisCommandError(message, { cause: error });
    }
    return new RedisConnectionError(this.#url, String(e?.message ?? e), { cause: error });
  }
}

/** Upstash returns RESP2 shapes already; this only turns `undefined` into null. */
function normalise(value: unknown): RedisReply {
  if (value === undefined) return null;
  if (Array.isArray(value)) return value.map(normalise);
  return value as RedisReply;
}
