// Starts the Upstash-compatible REST bridge in front of a test redis-server.
import { type RunningRedisHttpBridge, runRedisHttpBridge } from "../../workers/redis_http.ts";

/** The bridge's token in tests. */
export const BRIDGE_TOKEN = "test-token-" + Math.random().toString(36).slice(2);

/** Starts a bridge on a free port in front of `redisUrl`. */
export function startBridge(redisUrl: string): Promise<RunningRedisHttpBridge> {
  return runRedisHttpBridge({ port: 0, redisUrl, token: BRIDGE_TOKEN });
}
