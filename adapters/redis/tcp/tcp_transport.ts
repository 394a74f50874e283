/**
 * TCP transport over node-redis: pipelining, blocking stream waits and pub/sub.
 *
 * @module
 */
import { createClient } from "redis";
import { RedisConnectionError, safeMessage } from "../errors.ts";
import { ScriptCache } from "../script_cache.ts";
import {
  type MessageListener,
  RedisCommandError,
  type RedisReply,
  type RedisScript,
  type RedisTransport,
  type StreamWaiter,
} from "../transport.ts";
import { TcpStreamWaiter } from "./stream_waiter.ts";
import { reconnectStrategy, type TlsOptions, toClientOptions } from "./client_options.ts";

/** Options for {@link TcpTransport.connect}. */
export interface TcpTransportOptions {
  /** TLS settings for `rediss://` URLs. */
  tls?: TlsOptions;
  /** Give up connecting after this long. @default 5000 */
  connectTimeout?: number;
  /** Called with connection errors (already redacted); reconnects happen on their own. */
  onError?: (error: Error) => void;
}

/** The subset of a node-redis client this transport uses. */
export interface NodeRedisClient {
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(): NodeRedisClient;
  subscribe(channel: string, listener: (message: string) => void): Promise<unknown>;
  unsubscribe(channel: string, listener?: (message: string) => void): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  close(): Promise<void>;
  destroy(): void;
  readonly isReady: boolean;
}

/**
 * A {@link RedisTransport} over one multiplexed node-redis connection, plus one connection per
 * blocking waiter and one for pub/sub, opened on demand.
 */
export class TcpTransport implements RedisTransport {
  /** Always `"tcp"`. */
  readonly kind = "tcp" as const;
  readonly #client: NodeRedisClient;
  readonly #url: string;
  readonly #options: TcpTransportOptions;
  #subscriber: Promise<NodeRedisClient> | null = null;
  readonly #scripts = new ScriptCache();
  #count = 0;
  #closed = false;

  private constructor(client: NodeRedisClient, url: string, options: TcpTransportOptions) {
    this.#client = client;
    this.#url = url;
    this.#options = options;
  }

  /** Connects to `url` (`redis://` or `rediss://`); rejects with {@link RedisConnectionError}. */
  static async connect(url: string, options: TcpTransportOptions = {}): Promise<TcpTransport> {
    const client = await openClient(url, options);
    return new TcpTransport(client, url, options);
  }

  /** Commands sent so far. */
  get commandCount(): number {
    return this.#count;
  }

  /** Sends one command. */
  command(args: string[]): Promise<RedisReply> {
    this.#count++;
    return send(this.#client, args);
  }

  /** Sends commands together; node-redis writes same-tick commands in one batch. */
  pipeline(commands: string[][]): Promise<RedisReply[]> {
    return Promise.all(commands.map((c) => this.command(c)));
  }

  /** Runs a script with EVALSHA, falling back to EVAL on NOSCRIPT (see {@link ScriptCache}). */
  script(script: RedisScript, keys: string[], args: string[]): Promise<RedisReply> {
    const tail = [String(keys.length), ...keys, ...args];
    return this.#scripts.run(
      script.sha,
      () => this.command(["EVALSHA", script.sha, ...tail]),
      () => this.command(["EVAL", script.source, ...tail]),
    );
  }

  /** Opens a dedicated connection for blocking XREAD waits. */
  async openWaiter(): Promise<StreamWaiter> {
    const blocking = this.#client.duplicate();
    blocking.on("error", () => {});
    await blocking.connect();
    const id = await send(blocking, ["CLIENT", "ID"]);
    return new TcpStreamWaiter(blocking, this.#client, String(id));
  }

  /** Subscribes on the shared pub/sub connection. */
  async subscribe(
    channel: string,
    listener: MessageListener,
  ): Promise<() => Promise<void>> {
    const subscriber = await this.#subscriberClient();
    await subscriber.subscribe(channel, listener);
    return async () => {
      if (!this.#closed) await subscriber.unsubscribe(channel, listener).catch(() => {});
    };
  }

  /** The `redis://` URL this transport talks to, password redacted in messages. */
  get url(): string {
    return this.#url;
  }

  /** Sends MULTI/EXEC around `commands` (used by the REST bridge's `/multi-exec`). */
  async transaction(commands: string[][]): Promise<RedisReply> {
    this.#count += commands.length + 2;
    const multi = (this.#client as unknown as {
      multi(): { addCommand(args: string[]): unknown; exec(): Promise<unknown> };
    }).multi();
    for (const c of commands) multi.addCommand(c);
    try {
      return (await multi.exec()) as RedisReply;
    } catch (error) {
      throw toCommandError(error);
    }
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const subscriber = await this.#subscriber?.catch(() => null);
    subscriber?.destroy();
    await closeClient(this.#client);
  }

  #subscriberClient(): Promise<NodeRedisClient> {
    this.#subscriber ??= (async () => {
      const sub = this.#client.duplicate();
      sub.on("error", (e) => this.#options.onError?.(new Error(safeMessage(e))));
      await sub.connect();
      return sub;
    })();
    return this.#subscriber;
  }
}

async function openClient(url: string, options: TcpTransportOptions): Promise<NodeRedisClient> {
  let connected = false;
  const client = createClient(toClientOptions(url, {
    tls: options.tls,
    connectTimeout: options.connectTimeout ?? 5_000,
    reconnectStrategy: (retries, cause) =>
      connected ? reconnectStrategy(retries) : new RedisConnectionError(url, safeMessage(cause)),
  })) as unknown as NodeRedisClient;
  client.on("error", (e) => {
    if (connected) options.onError?.(new Error(safeMessage(e)));
  });
  try {
    await client.connect();
  } catch (error) {
    try {
      client.destroy();
    } catch { /* already closed by the reconnect strategy */ }
    if (error instanceof RedisConnectionError) throw error;
    throw new RedisConnectionError(url, safeMessage(error), { cause: error });
  }
  connected = true;
  return client;
}

/** Sends a raw command and maps server error replies to {@link RedisCommandError}. */
export async function send(client: NodeRedisClient, args: string[]): Promise<RedisReply> {
  try {
    return (await client.sendCommand(args)) as RedisReply;
  } catch (error) {
    throw toCommandError(error);
  }
}

function toCommandError(error: unknown): unknown {
  const name = (error as Error)?.constructor?.name ?? "";
  if (name === "ErrorReply" || name === "SimpleError" || name === "BlobError") {
    return new RedisCommandError((error as Error).message, { cause: error });
  }
  return error;
}

/** Closes gracefully, or destroys when the server is gone. */
export async function closeClient(client: NodeRedisClient): Promise<void> {
  if (!client.isReady) {
    client.destroy();
    return;
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    client.close().catch(() => client.destroy()),
    new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        client.destroy();
        resolve();
      }, 1_000);
    }),
  ]);
  clearTimeout(timer);
}
