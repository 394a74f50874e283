// Counts the statements an idle worker of each system sends, using pg_stat_statements and one
// login role per system (so each system's calls are told apart).
import type postgres from "postgres";
import { graphileWorker, pgBoss } from "./peer_systems.ts";
import { stemPostgres } from "./stem_systems.ts";
import type { BenchSystem } from "./system.ts";

type Admin = postgres.Sql<Record<string, unknown>>;

/** Statement counts of one idle worker over the window. */
export interface IdleCount {
  windowMs: number;
  total: number;
  byQuery: { query: string; calls: number }[];
}

async function snapshot(admin: Admin, role: string): Promise<Map<string, number>> {
  const rows = await admin.unsafe(
    `SELECT s.query, s.calls::float8 AS calls FROM pg_stat_statements s
     JOIN pg_roles r ON r.oid = s.userid WHERE r.rolname = $1`,
    [role],
  );
  const map = new Map<string, number>();
  for (const r of rows) {
    const key = String(r.query).replace(/\s+/g, " ").slice(0, 90);
    map.set(key, (map.get(key) ?? 0) + Number(r.calls));
  }
  return map;
}

async function countIdle(admin: Admin, role: string, s: BenchSystem, windowMs: number) {
  await s.setup();
  await s.reset();
  const stop = await s.startWorker(50, () => {});
  await new Promise((r) => setTimeout(r, 2_000));
  const before = await snapshot(admin, role);
  await new Promise((r) => setTimeout(r, windowMs));
  const after = await snapshot(admin, role);
  await stop();
  await s.close();
  const byQuery = [...after]
    .map(([query, calls]) => ({ query, calls: calls - (before.get(query) ?? 0) }))
    .filter((q) => q.calls > 0)
    .sort((a, b) => b.calls - a.calls);
  return { windowMs, total: byQuery.reduce((n, q) => n + q.calls, 0), byQuery };
}

/** Runs each system's worker idle for `windowMs` and counts its statements. */
export async function idleQueries(
  url: string,
  admin: Admin,
  windowMs: number,
): Promise<Record<string, IdleCount>> {
  const systems: [string, (u: string) => BenchSystem][] = [
    ["stem-postgres", (u) => stemPostgres(u)],
    ["pg-boss-batch", (u) => pgBoss(u, "batch")],
    ["graphile-worker-batched", (u) => graphileWorker(u, true)],
  ];
  const out: Record<string, IdleCount> = {};
  for (const [name, make] of systems) {
    const role = `idle_${name.replace(/[^a-z]/g, "_")}`;
    await admin.unsafe(`DROP ROLE IF EXISTS ${role}`);
    await admin.unsafe(`CREATE ROLE ${role} LOGIN SUPERUSER`);
    const roleUrl = url.replace("postgres://postgres@", `postgres://${role}@`);
    out[name] = await countIdle(admin, role, make(roleUrl), windowMs);
  }
  return out;
}
