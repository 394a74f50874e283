/**
 * The runtime's memory figures for `stats` (remote control): `process.memoryUsage()`, which
 * Deno, Bun and Node all provide through `node:process`.
 *
 * @module
 */
import process from "node:process";
import type { MemoryUsage } from "../../src/control/control_api.ts";

/** Reads resident set size and heap figures of this process, in bytes. */
export function processMemory(): MemoryUsage | null {
  try {
    const m = process.memoryUsage();
    return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal };
  } catch {
    return null;
  }
}
