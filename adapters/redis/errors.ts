/**
 * Typed errors of the Redis transports. Each names the URL with its password redacted, so a
 * message can be logged as is.
 *
 * @module
 */
import { redactUrl } from "../../src/core/adapter.ts";
import { ErrorCode } from "../../src/core/error_codes.ts";
import { StemError } from "../../src/core/errors.ts";

/** Redis could not be reached, or what answered is not Redis; code `connection-failed`. */
export class RedisConnectionError extends StemError {
  /** The URL that failed, password redacted. */
  readonly url: string;

  /** Creates the error for `url` (redacted here, so callers may pass the raw URL). */
  constructor(url: string, detail: string, options: { cause?: unknown } = {}) {
    const safe = redactUrl(url);
    super(
      ErrorCode.connectionFailed,
      `Could not connect to Redis at ${safe}: ${trimDot(detail)}. Check that the server is ` +
        "running and the URL, port and credentials are right.",
      options,
    );
    this.url = safe;
  }
}

/** Redis refused the credentials (`WRONGPASS`, `NOAUTH`, a rejected REST token). */
export class RedisAuthError extends StemError {
  /** The URL that was refused, password redacted. */
  readonly url: string;

  /** Creates the error for `url` from the server's answer. */
  constructor(url: string, detail: string, options: { cause?: unknown } = {}) {
    const safe = redactUrl(url);
    super(
      ErrorCode.authenticationFailed,
      `Redis at ${safe} refused the credentials: ${trimDot(detail)}. Put the right password in ` +
        "the URL (redis://:PASSWORD@host or redis://USER:PASSWORD@host) or pass the REST token.",
      options,
    );
    this.url = safe;
  }
}

/** A Redis call did not complete within `commandTimeout`; code `operation-timeout`. */
export class RedisTimeoutError extends StemError {
  /** The URL of the server, password redacted. */
  readonly url: string;
  /** The bound that passed, in ms. */
  readonly timeoutMs: number;

  /** Creates the error for a call to `url` that passed `timeoutMs`. */
  constructor(url: string, timeoutMs: number, detail: string, options: { cause?: unknown } = {}) {
    const safe = redactUrl(url);
    super(
      ErrorCode.operationTimeout,
      `Redis at ${safe} did not answer within ${timeoutMs} ms (${trimDot(detail)}). Check that ` +
        "the server is up, or raise commandTimeout. A write that timed out may still have been " +
        "applied: retry an enqueue with the same taskId.",
      options,
    );
    this.url = safe;
    this.timeoutMs = timeoutMs;
  }
}

/** Text of an error with any URL password in it redacted. */
export function safeMessage(error: unknown): string {
  const text = String((error as Error)?.message ?? error);
  return text.replace(/(\w+:\/\/[^:/@\s]*):[^@/\s]*@/g, "$1:***@");
}

/** True for the replies Redis sends when the credentials are missing or wrong. */
export function isAuthReply(message: string): boolean {
  return /^(NOAUTH|WRONGPASS)\b/.test(message) || /invalid password/i.test(message) ||
    /AUTH.*called without any password configured/.test(message);
}

/** True for Redis' reply while it replays its AOF/RDB after a restart (nothing was run). */
export function isLoadingReply(message: string): boolean {
  return message.startsWith("LOADING");
}

function trimDot(text: string): string {
  return text.replace(/[.\s]+$/, "");
}
