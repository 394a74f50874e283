/**
 * An Upstash-compatible REST bridge in front of a self-hosted Redis: `POST /` with a JSON
 * command array, `POST /pipeline`, `POST /multi-exec`, Bearer-token auth and
 * `Upstash-Encoding: base64` replies. Edge producers can then use the HTTP transport (or any
 * Upstash client) against your own Redis.
 *
 * @module
 */
import { Hono } from "hono";
import type { RedisReply } from "../transport.ts";
import { encodeReplyBase64, refusal, sha1Hex, stripKeyLocking } from "./bridge_codec.ts";

/** The Redis connection the bridge forwards to (the TCP transport fits). */
export interface BridgeUpstream {
  /** Sends one command. */
  command(args: string[]): Promise<RedisReply>;
  /** Runs commands inside MULTI/EXEC; resolves with EXEC's reply. */
  transaction(commands: string[][]): Promise<RedisReply>;
}

/** Options for {@link createRedisHttpBridge}. */
export interface RedisHttpBridgeOptions {
  /** Bearer token clients must send. */
  token: string;
}

type Outcome = { result: RedisReply } | { error: string; unavailable?: true };

const UNAVAILABLE = new Set(["connection-failed", "operation-timeout", "authentication-failed"]);

/**
 * The error a client should see: Redis' own reply text, `LOADING` passed through so the client
 * waits it out, and 503 for an upstream that is down, so clients know nothing ran.
 */
function failure(error: unknown): { error: string; unavailable?: true } {
  const e = error as Error & { code?: string; cause?: unknown };
  const cause = String((e?.cause as Error)?.message ?? "");
  if (cause.startsWith("LOADING")) return { error: cause };
  if (e?.code && UNAVAILABLE.has(e.code)) return { error: e.message, unavailable: true };
  return { error: String(e?.message ?? e) };
}

/**
 * Builds the bridge as a hono app (serve it with `Deno.serve`, `Bun.serve` or any fetch
 * server; `stem redis-http` does that).
 *
 * @example
 * ```ts ignore
 * const app = createRedisHttpBridge(transport, { token: "secret" });
 * Deno.serve({ port: 8079 }, app.fetch);
 * ```
 */
export function createRedisHttpBridge(
  upstream: BridgeUpstream,
  options: RedisHttpBridgeOptions,
): Hono {
  if (!options.token) throw new RangeError("The REST bridge needs a non-empty token.");
  const expected = `Bearer ${options.token}`;
  const shas = new Map<string, string>();
  const app = new Hono();

  const prepare = async (raw: unknown): Promise<string[]> => {
    if (!Array.isArray(raw) || raw.length === 0) {
      throw new Error("ERR expected a JSON array of command arguments");
    }
    const args = raw.map((a) => (typeof a === "string" ? a : JSON.stringify(a)));
    const refused = refusal(args);
    if (refused) throw new Error(refused);
    const name = args[0].toUpperCase();
    if ((name === "EVAL" || name === "EVAL_RO") && args[1] !== undefined) {
      const stripped = stripKeyLocking(args[1]);
      if (stripped !== args[1]) shas.set(await sha1Hex(args[1]), await sha1Hex(stripped));
      args[1] = stripped;
    } else if ((name === "EVALSHA" || name === "EVALSHA_RO") && args[1] !== undefined) {
      args[1] = shas.get(args[1].toLowerCase()) ?? args[1];
    }
    return args;
  };
  const loadScript = async (args: string[]): Promise<RedisReply> => {
    const original = args[2] ?? "";
    const stripped = stripKeyLocking(original);
    await upstream.command(["SCRIPT", "LOAD", stripped]);
    const sha = await sha1Hex(original);
    shas.set(sha, await sha1Hex(stripped));
    return sha;
  };
  const run = async (raw: unknown): Promise<Outcome> => {
    try {
      const args = await prepare(raw);
      if (args[0].toUpperCase() === "SCRIPT" && args[1]?.toUpperCase() === "LOAD") {
        return { result: await loadScript(args) };
      }
      return { result: await upstream.command(args) };
    } catch (error) {
      return failure(error);
    }
  };
  const encode = (base64: boolean, o: Outcome): Outcome =>
    base64 && "result" in o ? { result: encodeReplyBase64(o.result) } : o;

  app.use("*", async (c, next) => {
    if (c.req.header("authorization") !== expected) return c.json({ error: "Unauthorized" }, 401);
    await next();
  });
  app.post("/", async (c) => {
    const outcome = await run(await c.req.json().catch(() => null));
    const b64 = c.req.header("upstash-encoding") === "base64";
    if ("error" in outcome) {
      return c.json({ error: outcome.error }, outcome.unavailable ? 503 : 400);
    }
    return c.json(encode(b64, outcome));
  });
  app.post("/pipeline", async (c) => {
    const body = await c.req.json().catch(() => null);
    if (!Array.isArray(body)) return c.json({ error: "ERR expected an array of commands" }, 400);
    const b64 = c.req.header("upstash-encoding") === "base64";
    const outcomes = await Promise.all(body.map(run));
    const down = outcomes.find((o) => "unavailable" in o);
    if (down && "error" in down) return c.json({ error: down.error }, 503);
    return c.json(outcomes.map((o) => encode(b64, o)));
  });
  app.post("/multi-exec", async (c) => {
    const body = await c.req.json().catch(() => null);
    if (!Array.isArray(body)) return c.json({ error: "ERR expected an array of commands" }, 400);
    const b64 = c.req.header("upstash-encoding") === "base64";
    let commands: string[][];
    try {
      commands = await Promise.all(body.map(prepare));
    } catch (error) {
      return c.json({ error: (error as Error).message }, 400);
    }
    try {
      const replies = await upstream.transaction(commands) as RedisReply[];
      return c.json(replies.map((r) => encode(b64, { result: r })));
    } catch (error) {
      const f = failure(error);
      return c.json({ error: f.error }, f.unavailable ? 503 : 400);
    }
  });
  return app;
}
