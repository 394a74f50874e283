/**
 * Pieces of the Upstash REST protocol the bridge speaks: base64 reply encoding, the
 * key-locking shebang Upstash understands and stock Redis rejects, and refused commands.
 *
 * @module
 */
import type { RedisReply } from "../transport.ts";

function base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/**
 * Encodes every string of a reply as base64 (`Upstash-Encoding: base64`), except a top-level
 * `"OK"`, which Upstash clients expect verbatim.
 */
export function encodeReplyBase64(reply: RedisReply, top = true): RedisReply {
  if (typeof reply === "string") return top && reply === "OK" ? reply : base64(reply);
  if (Array.isArray(reply)) return reply.map((r) => encodeReplyBase64(r, false));
  return reply;
}

const SHEBANG = /^#!lua([^\n]*)\n/;

/**
 * Removes the `allow-key-locking` flag (Upstash only) from a script's shebang; drops the
 * shebang line when no other flag remains.
 */
export function stripKeyLocking(script: string): string {
  const match = SHEBANG.exec(script);
  if (!match) return script;
  const flags =
    /flags=(\S*)/.exec(match[1])?.[1].split(",").filter((f) => f && f !== "allow-key-locking") ??
      [];
  const body = script.slice(match[0].length);
  return flags.length ? `#!lua flags=${flags.join(",")}\n${body}` : body;
}

/** SHA1 hex of a string (script ids). */
export async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

const REFUSED = new Set([
  "SUBSCRIBE",
  "PSUBSCRIBE",
  "SSUBSCRIBE",
  "UNSUBSCRIBE",
  "PUNSUBSCRIBE",
  "SUNSUBSCRIBE",
  "MONITOR",
  "SELECT",
  "QUIT",
  "RESET",
  "WATCH",
  "UNWATCH",
  "MULTI",
  "EXEC",
  "DISCARD",
  "WAIT",
  "BLPOP",
  "BRPOP",
  "BRPOPLPUSH",
  "BLMOVE",
  "BLMPOP",
  "BZPOPMIN",
  "BZPOPMAX",
  "BZMPOP",
  "SHUTDOWN",
  "AUTH",
  "HELLO",
  "CLIENT",
]);

/** Why the bridge refuses a command (it would block or change the shared connection), or null. */
export function refusal(args: string[]): string | null {
  const name = (args[0] ?? "").toUpperCase();
  const blockingRead = (name === "XREAD" || name === "XREADGROUP") &&
    args.some((a) => a.toUpperCase() === "BLOCK");
  if (REFUSED.has(name) || blockingRead) {
    return `ERR command "${name}" is not supported over REST (it blocks or changes the shared connection)`;
  }
  return null;
}
