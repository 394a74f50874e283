// BENCH_BASE=<dir of another checkout>: that tree's Stem/Postgres systems, renamed `base-…`, run
// in the same rotation, so before/after ratios come from one run (as `bench:redis` does). The
// other tree must use its own namespace (edit its stem_systems.ts) so the two schemas do not meet.
import process from "node:process";
import type { BenchSystem } from "./system.ts";

/** The other checkout's `stemPostgres` systems (with and without results), or none. */
export async function baseSystems(url: string): Promise<BenchSystem[]> {
  const base = process.env.BENCH_BASE;
  if (!base) return [];
  const mod = await import(`${base}/bench/postgres/stem_systems.ts`) as {
    stemPostgres(url: string, storeResults?: boolean): BenchSystem;
  };
  return [true, false].map((storeResults) => {
    const system = mod.stemPostgres(url, storeResults);
    return { ...system, name: `base-${system.name}` };
  });
}
