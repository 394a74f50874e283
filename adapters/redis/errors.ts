import { redactUrl } from "../../src/core/adapter.ts";

/** Redis could not be reached; the message names the URL with its password redacted. */
export class RedisConnectionError extends Error {
  /** Stable code for branching. */
  readonly code: string = "redis-unavailable";
  /** The URL that failed, password redacted. */
  readonly url: string;

  /** Creates the error for `url` (redacted here, so callers may pass the raw URL). */
  constructor(url: string, detail: string, options: { cause?: unknown } = {}) {
    const safe = redactUrl(url);
    super(
      `Could not connect to Redis at ${safe}: ${detail}. Check that the server is running and the URL, port and credentials are right.`,
      options,
    );
    this.name = "RedisConnectionError";
    this.url = safe;
  }
}

/** Text of an error with any URL password in it redacted. */
export function safeMessage(error: unknown): string {
  const text = String((error as Error)?.message ?? error);
  return text.replace(/(\w+:\/\/[^:/@\s]*):[^@/\s]*@/g, "$1:***@");
}
