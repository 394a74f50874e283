/**
 * What a worker process says about itself in its heartbeats: host, pid, runtime and versions.
 *
 * @module
 */
import { hostname } from "node:os";
import process from "node:process";
import type { JsonValue } from "../../src/core/envelope.ts";

/** The Stem version reported by worker processes (kept equal to deno.json's `version`). */
export const STEM_VERSION = "0.1.0";

/** Host, pid, runtime name and version, and the Stem version of this process. */
export function processIdentity(): Record<string, JsonValue> {
  const versions = process.versions as Record<string, string | undefined>;
  const runtime = versions.bun ? "bun" : versions.deno ? "deno" : "node";
  return {
    host: hostname(),
    pid: process.pid,
    runtime,
    runtimeVersion: versions.bun ?? versions.deno ?? versions.node ?? "unknown",
    stemVersion: STEM_VERSION,
  };
}
