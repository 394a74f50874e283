/**
 * HTTP transport over the Upstash REST protocol, with Stem's own small `fetch` client
 * ({@link RestClient}): no Node built-ins, so edge bundles stay small. No blocking commands and no
 * pub/sub: callers poll.
 *
 * @module
 */
import { redactUrl } from "../../../src/core/adapter.ts";
import { waitOutLoading } from "../loading_wait.ts";
import { ScriptCache } from "../script_cache.ts";
import {
  KEY_LOCKING_SHEBANG,
  RedisCommandError,
  type RedisReply,
  type RedisScript,
  type RedisTransport,
  type StreamWaiter,
} from "../transport.ts";
import { RestClient } from "./rest_client.ts";

/** Options for {@link HttpTransport.connect}. */
export interface HttpTransportOptions {
  /** REST token; falls back to the URL password or its `token` query parameter. */
  token?: string;
  /** Bound of one HTTP request in ms; a request past it rejects with `operation-timeout`. @default 5000 */
  commandTimeout?: number;
  /** How long to keep retrying while Redis answers `LOADING` after a restart, in ms. @default 30000 */
  loadingTimeout?: number;
  /** Extra attempts of a read-only command after a network failure. @default 2 */
  retries?: number;
  /** The fetch to use (a service binding, a test double). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/** A {@link RedisTransport} over Upstash REST: one HTTP request per command or pipeline. */
export class HttpTransport implements RedisTransport {
  /** Always `"http"`. */
  readonly kind = "http" as const;
  readonly #client: RestClient;
  readonly #url: string;
  readonly #loadingMs: number;
  readonly #scripts = new ScriptCache();
  #count = 0;

  private constructor(client: RestClient, url: string, loadingMs: number) {
    this.#client = client;
    this.#url = url;
    this.#loadingMs = loadingMs;
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
    const client = new RestClient({
      url: base,
      token,
      timeoutMs: options.commandTimeout ?? 5_000,
      retries: options.retries ?? 2,
      fetch: options.fetch,
    });
    return new HttpTransport(client, base, options.loadingTimeout ?? 30_000);
  }

  /** Commands sent so far (each is one billed command on Upstash). */
  get commandCount(): number {
    return this.#count;
  }

  /** Sends one command as one HTTP request. */
  command(args: string[]): Promise<RedisReply> {
    this.#count++;
    return waitOutLoading(() => this.#client.command(args), this.#url, this.#loadingMs);
  }

  /** Sends the commands in one request (`/pipeline`); rejects with the first error reply. */
  pipeline(commands: string[][]): Promise<RedisReply[]> {
    if (commands.length === 0) return Promise.resolve([]);
    this.#count += commands.length;
    return waitOutLoading(
      async () => {
        const outcomes = await this.#client.pipeline(commands);
        return outcomes.map((o) => {
          if ("error" in o) throw new RedisCommandError(o.error);
          return o.result;
        });
      },
      this.#url,
      this.#loadingMs,
    );
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

  /** Nothing to wake: HTTP consumers poll. */
  wakeWaiters(): void {}

  /** HTTP has no pub/sub here; callers poll. */
  subscribe(): Promise<null> {
    return Promise.resolve(null);
  }

  /** Nothing to close: requests are independent. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
