// Postgres: the hot batch statements keep their index in a cached generic plan. postgres.js
// prepares every statement, and after a few runs PostgreSQL may keep one generic plan per
// connection; a plan made while a table was empty (a worker started on an idle queue) must not
// turn into a scan of the whole table once it fills.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "../adapters/postgres/mod.ts";
import { SQL } from "../adapters/postgres/_sql.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";

const skip = postgresSkipReason();
let server: PostgresServer;

before(async () => {
  if (!skip) server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

/** The plan of `query` as a generic plan made on an empty table, run after `fill`. */
async function cachedPlan(
  namespace: string,
  query: string,
  types: string,
  emptyArgs: string,
  fill: string,
  args: string,
): Promise<string> {
  const stores = await connect(server.url, { namespace, max: 1 });
  try {
    return await stores.sql.begin(async (tx) => {
      await tx.unsafe("SET LOCAL plan_cache_mode = force_generic_plan");
      await tx.unsafe(`PREPARE hot(${types}) AS ${query}`);
      await tx.unsafe(`EXECUTE hot(${emptyArgs})`);
      await tx.unsafe(fill);
      const rows = await tx.unsafe(`EXPLAIN EXECUTE hot(${args})`);
      return rows.map((r) => String(r["QUERY PLAN"])).join("\n");
    });
  } finally {
    await stores.close();
  }
}

describe("PostgreSQL query plans", { skip }, () => {
  test("acking a batch looks rows up by primary key in a plan cached on an empty table", async () => {
    const plan = await cachedPlan(
      `plans_delete_${process.pid}`,
      SQL.jobsDelete,
      "int8[], int4[]",
      "ARRAY[1]::int8[], ARRAY[0]::int4[]",
      "INSERT INTO stem_jobs (queue, task_id, visible_at, envelope) " +
        "SELECT 'q', 't' || g, 1, '{}' FROM generate_series(1, 20000) g",
      "ARRAY[5, 6, 7]::int8[], ARRAY[0, 0, 0]::int4[]",
    );
    assert.match(plan, /stem_jobs_pkey/, plan);
    assert.doesNotMatch(plan, /Seq Scan on stem_jobs/, plan);
  });

  test("the one-statement settle acks by primary key in a plan cached on an empty table", async () => {
    const none = "ARRAY[]::text[]";
    const plan = await cachedPlan(
      `plans_settle_${process.pid}`,
      SQL.resultsSetAndAck,
      "text[], text[], text[], json, int8[], int8[], int4[], int8",
      "ARRAY['a'], ARRAY['succeeded'], ARRAY['q'], '[\"{}\"]', ARRAY[9]::int8[], " +
        "ARRAY[1]::int8[], ARRAY[0]::int4[], 1",
      "INSERT INTO stem_jobs (queue, task_id, visible_at, envelope) " +
        "SELECT 'q', 't' || g, 1, '{}' FROM generate_series(1, 20000) g",
      `${none}, ${none}, ${none}, '[]', ARRAY[]::int8[], ` +
        "ARRAY[5, 6, 7]::int8[], ARRAY[0, 0, 0]::int4[], 2",
    );
    assert.match(plan, /stem_jobs_pkey/, plan);
    assert.doesNotMatch(plan, /Seq Scan on stem_jobs/, plan);
  });
});
