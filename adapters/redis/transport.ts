/**
 * The small Redis client interface the broker and backend are written against. Two
 * implementations: TCP (node-redis, blocking reads, pub/sub) and HTTP (Upstash REST, polling).
 *
 * @module
 */

/** A normalised Redis reply: RESP2 shapes only (maps and sets arrive as flat arrays). */
export type RedisReply = string | number | null | RedisReply[];

/** A Lua script embedded by `tools/gen_redis.mjs`. */
export interface RedisScript {
  /** File name without the key count, e.g. `"claim"`. */
  readonly name: string;
  /** Number of KEYS the script takes; -1 when it takes a variable number (name ends in `-n`). */
  readonly keys: number;
  /** The script body as stock Redis runs it. */
  readonly source: string;
  /** SHA1 of `source`. */
  readonly sha: string;
  /** SHA1 of {@link KEY_LOCKING_SHEBANG} + `source` (what the HTTP transport sends). */
  readonly lockingSha: string;
}

/**
 * First line the HTTP transport puts before every script: Upstash then locks only the keys in
 * KEYS instead of the whole database. Stock Redis 7 rejects the flag, so the TCP transport sends
 * the bare body and the REST bridge strips the flag before forwarding.
 */
export const KEY_LOCKING_SHEBANG = "#!lua flags=allow-key-locking\n";

/** Waits on a dedicated connection for new stream entries (TCP only). */
export interface StreamWaiter {
  /**
   * Resolves when any stream in `keys` gets an entry newer than the matching id in `ids`, when
   * `timeoutMs` passes, or when {@link StreamWaiter.interrupt} is called.
   */
  wait(keys: string[], ids: string[], timeoutMs: number): Promise<void>;
  /** Ends a pending wait early. */
  interrupt(): Promise<void>;
  /** Closes the connection. */
  close(): Promise<void>;
}

/** Receives a published message. */
export type MessageListener = (message: string) => void;

/** The calls the Redis adapter needs from a client. */
export interface RedisTransport {
  /** `"tcp"` or `"http"`. */
  readonly kind: "tcp" | "http";
  /** Commands sent since the transport was created (Upstash bills per command). */
  readonly commandCount: number;
  /** Sends one command. Errors from the server reject with {@link RedisCommandError}. */
  command(args: string[]): Promise<RedisReply>;
  /** Sends several commands in one round trip where possible; not atomic. */
  pipeline(commands: string[][]): Promise<RedisReply[]>;
  /** Runs an embedded script: EVALSHA first, EVAL when the server answers NOSCRIPT. */
  script(script: RedisScript, keys: string[], args: string[]): Promise<RedisReply>;
  /** Opens a blocking stream waiter, or returns null when the transport must poll. */
  openWaiter(): Promise<StreamWaiter | null>;
  /**
   * Ends the pending waits of every waiter this transport opened, so their consumers claim again
   * now: a retry delayed by less than the idle wait is then promoted on time.
   */
  wakeWaiters(): void;
  /**
   * Subscribes to a pub/sub channel; resolves once the subscription is active. Null when the
   * transport has no pub/sub (HTTP), in which case callers poll.
   */
  subscribe(channel: string, listener: MessageListener): Promise<(() => Promise<void>) | null>;
  /** Closes every connection. */
  close(): Promise<void>;
}

/** The server answered a command with an error reply. */
export class RedisCommandError extends Error {
  /** Stable code for branching. */
  readonly code: string = "redis-command-failed";

  /** Creates the error from the server's message. */
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = "RedisCommandError";
  }
}

/** True when a script call failed because the server does not have the script cached. */
export function isNoScript(error: unknown): boolean {
  return String((error as Error)?.message ?? error).includes("NOSCRIPT");
}
