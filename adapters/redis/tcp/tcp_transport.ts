/**
 * TCP transport over node-redis: pipelining, blocking stream waits and pub/sub.
 *
 * @module
 */
import { createClient } from "redis";
import { type Clock, systemClock } from "../../../src/core/clock.ts";
import { StemError } from "../../../src/core/errors.ts";
import {
  isAuthReply,
  isLoadingReply,
  RedisAuthError,
  RedisConnectionError,
  RedisTimeoutError,
  safeMessage,
} from "../errors.ts";
import { waitOutLoading } from "../loading_wait.ts";
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
import { commandDeadlines } from "./command_deadlines.ts";
import type { DeadlineQueue } from "../../../src/core/deadline_queue.ts";
import { reconnectStrategy, type TlsOptions, toClientOptions } from "./client_options.ts";

/** Options for {@link TcpTransport.connect}. */
export interface TcpTransportOptions {
  /** TLS settings for `rediss://` URLs. */
  tls?: TlsOptions;
  /** Give up connecting after this long. @default 5000 */
  connectTimeout?: number;
  /** Called with connection errors (already redacted); reconnects happen on their own. */
  onError?: (error: Error) => void;
  /**
   * Bound of one command in ms. A command that cannot be sent in time (the server is down and
   * node-redis holds it in its offline queue) is dropped and rejects with `operation-timeout`;
   * one that was sent and got no reply rejects too (it may still run). @default 5000
   */
  commandTimeout?: number;
  /**
   * How long commands keep retrying while Redis answers `LOADING`, in ms (`connect()` always
   * waits up to 30 s). @default 30000
   */
  loadingTimeout?: number;
  /** Timers for the bounds. @default systemClock */
  clock?: Clock;
}

/** The resolved bounds every command of a transport runs under. */
export interface CommandBounds {
  /** Redacted in errors. */
  url: string;
  /** Bound of one command in ms. */
  timeoutMs: number;
  /** Timers. */
  clock: Clock;
}

/** The subset of a node-redis client this transport uses. */
export interface NodeRedisClient {
  connect(): Promise<unknown>;
  sendCommand(args: string[], options?: { timeout?: number }): Promise<unknown>;
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
  readonly #bounds: CommandBounds;
  readonly #loadingMs: number;
  #subscriber: Promise<NodeRedisClient> | null = null;
  readonly #waiters = new Set<TcpStreamWaiter>();
  readonly #scripts = new ScriptCache();
  readonly #deadlines: DeadlineQueue;
  #count = 0;
  #closed = false;

  private constructor(client: NodeRedisClient, url: string, options: TcpTransportOptions) {
    this.#client = client;
    this.#url = url;
    this.#options = options;
    this.#bounds = boundsOf(url, options);
    this.#deadlines = commandDeadlines(url, this.#bounds.timeoutMs, this.#bounds.clock);
    this.#loadingMs = options.loadingTimeout ?? 30_000;
  }

  /**
   * Connects to `url` (`redis://` or `rediss://`) and checks that a Redis answers and accepts
   * the credentials; rejects with {@link RedisConnectionError} (unreachable, or not Redis) or
   * {@link RedisAuthError}.
   */
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
    if (!this.#client.isReady) return this.#sendWaitingOutLoading(args);
    // Connected: node-redis writes the command on its next turn, so it needs no offline-queue
    // timeout of its own (one timer and one AbortSignal per command); the shared deadlines bound
    // the reply. A `LOADING` reply takes the slow path, which retries.
    const sent = this.#client.sendCommand(args) as Promise<RedisReply>;
    return this.#deadlines.bound(sent, args[0]).catch((error) => {
      if (error instanceof RedisTimeoutError) throw error;
      const mapped = toTransportError(error, this.#bounds, `${args[0]} got no reply`, 0);
      if (mapped instanceof RedisCommandError && isLoadingReply(mapped.message)) {
        return this.#sendWaitingOutLoading(args);
      }
      throw mapped;
    });
  }

  #sendWaitingOutLoading(args: string[]): Promise<RedisReply> {
    return waitOutLoading(
      () => send(this.#client, args, this.#bounds),
      this.#url,
      this.#loadingMs,
    );
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
    try {
      await bounded(blocking.connect(), this.#bounds, "opening a blocking connection");
      const id = await send(blocking, ["CLIENT", "ID"], this.#bounds);
      const waiter = new TcpStreamWaiter(
        blocking,
        this.#client,
        String(id),
        this.#bounds,
        () => this.#waiters.delete(waiter),
      );
      this.#waiters.add(waiter);
      return waiter;
    } catch (error) {
      destroyQuietly(blocking);
      throw error;
    }
  }

  /** Interrupts the pending blocking waits of this transport's waiters. */
  wakeWaiters(): void {
    for (const waiter of this.#waiters) void waiter.interrupt();
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
      return (await bounded(multi.exec(), this.#bounds, "MULTI/EXEC got no reply")) as RedisReply;
    } catch (error) {
      throw toTransportError(error, this.#bounds, "MULTI/EXEC got no reply", 0);
    }
  }

  /** Closes every connection. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#deadlines.close();
    const subscriber = await this.#subscriber?.catch(() => null);
    subscriber?.destroy();
    await closeClient(this.#client);
  }

  #subscriberClient(): Promise<NodeRedisClient> {
    this.#subscriber ??= (async () => {
      const sub = this.#client.duplicate();
      sub.on("error", (e) => this.#options.onError?.(new Error(safeMessage(e))));
      try {
        await bounded(sub.connect(), this.#bounds, "opening the pub/sub connection");
      } catch (error) {
        destroyQuietly(sub);
        this.#subscriber = null;
        throw error;
      }
      return sub;
    })();
    return this.#subscriber;
  }
}

/** How long `connect()` waits for a restarted Redis to finish loading. */
const CONNECT_LOADING_MS = 30_000;

function boundsOf(url: string, options: TcpTransportOptions): CommandBounds {
  return { url, timeoutMs: options.commandTimeout ?? 5_000, clock: options.clock ?? systemClock };
}

async function openClient(url: string, options: TcpTransportOptions): Promise<NodeRedisClient> {
  let connected = false;
  const client = createClient(toClientOptions(url, {
    tls: options.tls,
    connectTimeout: options.connectTimeout ?? 5_000,
    reconnectStrategy: (retries, cause) =>
      connected ? reconnectStrategy(retries) : connectFailure(url, cause),
  })) as unknown as NodeRedisClient;
  client.on("error", (e) => {
    if (connected) options.onError?.(new Error(safeMessage(e)));
  });
  try {
    await client.connect();
  } catch (error) {
    destroyQuietly(client);
    // node-redis wraps what the strategy returned in a ReconnectStrategyError with the same
    // message; unwrap it, or the message would name the URL twice.
    const original = (error as { originalError?: unknown })?.originalError ?? error;
    if (original instanceof RedisConnectionError || original instanceof RedisAuthError) {
      throw original;
    }
    throw connectFailure(url, original);
  }
  // A TCP connect proves little: a server that wants a password only says so on the first
  // command, and any listener on the port accepts the socket. Ask before calling it connected.
  const bounds = boundsOf(url, options);
  try {
    await waitOutLoading(() => send(client, ["PING"], bounds), url, CONNECT_LOADING_MS);
  } catch (error) {
    destroyQuietly(client);
    throw probeFailure(url, error);
  }
  connected = true;
  return client;
}

function connectFailure(url: string, cause: unknown): RedisConnectionError | RedisAuthError {
  const detail = safeMessage(cause);
  return isAuthReply(detail)
    ? new RedisAuthError(url, detail, { cause })
    : new RedisConnectionError(url, detail, { cause });
}

/** What the PING after connecting tells: bad credentials, or a server that is not Redis. */
function probeFailure(url: string, error: unknown): Error {
  if (error instanceof RedisAuthError) return error;
  if (error instanceof RedisTimeoutError && isLoadingReply(safeMessage(error.cause))) return error;
  const inner = error instanceof RedisConnectionError ? error.cause ?? error : error;
  const detail = error instanceof RedisTimeoutError ? "no reply" : safeMessage(inner);
  return new RedisConnectionError(
    url,
    `the server did not answer PING as Redis does (${detail}); is this the Redis port?`,
    { cause: error },
  );
}

/** Races `promise` against the command bound; rejects with {@link RedisTimeoutError}. */
export function bounded<T>(
  promise: Promise<T>,
  bounds: CommandBounds,
  what: string,
  extraMs = 0,
): Promise<T> {
  const ms = bounds.timeoutMs + extraMs;
  return new Promise<T>((resolve, reject) => {
    const timer = bounds.clock.setTimeout(
      () => reject(new RedisTimeoutError(bounds.url, ms, what)),
      ms,
    );
    promise.then(
      (value) => {
        bounds.clock.clearTimeout(timer);
        resolve(value);
      },
      (error) => {
        bounds.clock.clearTimeout(timer);
        reject(error);
      },
    );
  });
}

/**
 * Sends a raw command under `bounds` and maps failures: error replies to
 * {@link RedisCommandError} (or {@link RedisAuthError} for NOAUTH/WRONGPASS), a command that
 * could not be sent or answered in time to {@link RedisTimeoutError}.
 */
export async function send(
  client: NodeRedisClient,
  args: string[],
  bounds: CommandBounds,
  extraMs = 0,
): Promise<RedisReply> {
  const what = `${String(args[0]).toUpperCase()} got no reply`;
  try {
    // node-redis' own timeout drops a command still waiting in its offline queue, so a call
    // that timed out while the server was down is never sent later.
    const sent = client.sendCommand(args, { timeout: bounds.timeoutMs + extraMs });
    return (await bounded(sent, bounds, what, extraMs)) as RedisReply;
  } catch (error) {
    throw toTransportError(error, bounds, what, extraMs);
  }
}

function toTransportError(
  error: unknown,
  bounds: CommandBounds,
  what: string,
  extraMs: number,
): unknown {
  const name = (error as Error)?.constructor?.name ?? "";
  if (name === "ErrorReply" || name === "SimpleError" || name === "BlobError") {
    const message = (error as Error).message;
    if (isAuthReply(message)) return new RedisAuthError(bounds.url, message, { cause: error });
    return new RedisCommandError(message, { cause: error });
  }
  if (name === "TimeoutError") {
    return new RedisTimeoutError(bounds.url, bounds.timeoutMs + extraMs, what, { cause: error });
  }
  // Lost sockets (SocketClosedUnexpectedlyError, ECONNRESET...) become one typed error; a client
  // we closed ourselves, and errors already typed, pass through.
  if (
    error instanceof Error && !(error instanceof StemError) && name !== "ClientClosedError" &&
    !(error instanceof RedisCommandError)
  ) {
    return new RedisConnectionError(bounds.url, safeMessage(error), { cause: error });
  }
  return error;
}

/** Destroys a client that may already be closed (node-redis throws then). */
function destroyQuietly(client: NodeRedisClient): void {
  try {
    client.destroy();
  } catch { /* already closed, e.g. by the reconnect strategy */ }
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
