/**
 * `stem redis-http`: serves the Upstash-compatible REST bridge in front of a Redis server until
 * SIGINT/SIGTERM.
 *
 * @module
 */
import { redactUrl } from "../../src/core/adapter.ts";
import { readVariable } from "../runtime/env.ts";
import { onShutdownSignal } from "../runtime/signals.ts";
import { integerFlag, stringFlag, UsageError } from "./args.ts";
import type { Command } from "./command.ts";

/** `stem redis-http`. */
export const redisHttpCommand: Command = {
  name: "redis-http",
  summary: "Serve the Upstash-compatible REST bridge in front of a Redis server.",
  details: `Environment: STEM_REDIS_URL or STEM_BROKER_URL (the Redis to forward to),
STEM_REDIS_HTTP_TOKEN (the token). Clients send the token as a Bearer token:
  stem worker ./tasks.ts --broker http://:TOKEN@127.0.0.1:8079`,
  options: {
    port: { type: "string", valueName: "N", description: "Port to listen on (default 8079)." },
    hostname: {
      type: "string",
      valueName: "HOST",
      description: "Interface to bind (default 127.0.0.1).",
    },
    "redis-url": {
      type: "string",
      valueName: "URL",
      description: "Redis to forward to (default redis://127.0.0.1:6379).",
    },
    token: { type: "string", valueName: "T", description: "Token clients send.", secret: true },
  },
  async run({ values }, { io, env, secrets }) {
    const redisUrl = stringFlag(values, "redis-url") ?? readVariable(env, "STEM_REDIS_URL") ??
      readVariable(env, "STEM_BROKER_URL") ?? "redis://127.0.0.1:6379";
    const token = stringFlag(values, "token") ?? readVariable(env, "STEM_REDIS_HTTP_TOKEN");
    if (!token) {
      throw new UsageError(
        "Set --token or STEM_REDIS_HTTP_TOKEN (clients send it as a Bearer token)",
      );
    }
    secrets.add(token);
    const port = integerFlag(values, "port", 0) ?? 8079;
    const { runRedisHttpBridge } = await import("../redis_http.ts");
    const bridge = await runRedisHttpBridge({
      port,
      hostname: stringFlag(values, "hostname"),
      redisUrl,
      token,
    });
    io.out(`[stem] redis-http ${bridge.url} -> ${redactUrl(redisUrl)}`);
    await new Promise<void>((resolve) => {
      const stop = onShutdownSignal(() => {
        stop();
        resolve();
      });
    });
    await bridge.close();
    io.out("[stem] redis-http stopped");
  },
};
