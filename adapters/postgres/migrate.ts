import { MIGRATIONS } from "./_sql.ts";
import { ident, type Sql } from "./connection.ts";

/** First key of the migration advisory lock ("STEM"). */
const LOCK_CLASS = 0x5354454d;

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/**
 * Applies the migrations the namespace lacks, in one transaction holding an advisory lock keyed
 * by the namespace, so processes starting together apply each migration exactly once.
 * Returns the versions applied by this call.
 */
export async function migrate(sql: Sql, namespace: string): Promise<number[]> {
  const schema = ident(namespace);
  return await sql.begin(async (tx) => {
    await tx.unsafe("SELECT pg_advisory_xact_lock($1::int4, $2::int4)", [
      LOCK_CLASS,
      hash32(namespace),
    ]);
    await tx.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await tx.unsafe(
      `CREATE TABLE IF NOT EXISTS ${schema}.stem_migrations (version integer PRIMARY KEY, ` +
        `name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const rows = await tx.unsafe(`SELECT version FROM ${schema}.stem_migrations`);
    const done = new Set(rows.map((r) => Number(r.version)));
    const applied: number[] = [];
    for (const migration of MIGRATIONS) {
      if (done.has(migration.version)) continue;
      await tx.unsafe(`SET LOCAL search_path TO ${schema}`);
      await tx.unsafe(migration.sql).simple();
      await tx.unsafe(`INSERT INTO ${schema}.stem_migrations (version, name) VALUES ($1, $2)`, [
        migration.version,
        migration.name,
      ]);
      applied.push(migration.version);
    }
    return applied;
  }) as number[];
}
