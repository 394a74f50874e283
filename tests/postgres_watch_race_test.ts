// PostgreSQL status watches against writes in flight. Under READ COMMITTED a status write decides
// whether to NOTIFY from its own snapshot, so a watch registered while the write ran was missed
// and waitForTask hung until its timeout (seen in CI as a task "running" for 10 s after it had
// succeeded). Each case holds a real write open in a transaction on its own connection while
// the waiter registers, then commits it.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import postgres from "postgres";
import { connect } from "../adapters/postgres/mod.ts";
import { SQL } from "../adapters/postgres/_sql.ts";
import { statusDocument } from "../adapters/_sql/status_rows.ts";
import type { TaskStatusInput } from "../src/backend/task_status.ts";
import { Stem } from "../src/producer/stem.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";

const skip = postgresSkipReason();
let server: PostgresServer;
let counter = 0;

before(async () => {
  if (!skip) server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const status = (id: string, state: "running" | "succeeded"): TaskStatusInput =>
  ({
    id,
    name: "t",
    state,
    result: state === "succeeded" ? 42 : null,
    attempt: 0,
    meta: {},
  }) as TaskStatusInput;

async function setup() {
  const namespace = `watchrace_${process.pid}_${++counter}`;
  const stores = await connect(server.url, { namespace, max: 4 });
  const stem = new Stem({ broker: stores.broker, backend: stores.backend });
  // The "worker": its own client, so its transaction is not the waiter's.
  const writer = postgres(server.url, {
    max: 1,
    onnotice: () => {},
    connection: { search_path: namespace, application_name: "stem-race-writer" },
  });
  // Watches pg_stat_activity; not the writer, whose one connection the open transaction holds.
  const observer = postgres(server.url, { max: 1, onnotice: () => {} });
  const end = async () => {
    await writer.end();
    await observer.end();
    await stores.close();
  };
  return { namespace, stores, stem, writer, observer, end };
}

type Race = Awaited<ReturnType<typeof setup>>;

/**
 * Runs the status store's own write of a `succeeded` status for `id` in a transaction on the
 * writer's connection, starts `waiters` waitForTask calls while it is uncommitted (its snapshot
 * predates their registration), commits once they settled, and returns what they got.
 */
async function waitAcrossOpenWrite(
  { namespace, stem, writer, observer }: Race,
  id: string,
  waiters: number,
  timeout: "5s" | "10s",
) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let written!: () => void;
  const wrote = new Promise<void>((resolve) => (written = resolve));
  const committed = writer.begin(async (tx) => {
    const now = Date.now();
    await tx.unsafe(SQL.resultsSet, [
      [id],
      ["succeeded"],
      ["default"],
      [statusDocument(status(id, "succeeded"), now)],
      [now + 60_000],
      now,
    ], { prepare: true });
    written();
    await released;
  }).then(() => {});
  // A failed write rejects here too, so the test fails instead of waiting for it forever.
  await Promise.race([wrote, committed]);
  const results = Array.from({ length: waiters }, () => stem.waitForTask<number>(id, { timeout }));
  await waiterSettled(observer, namespace, id);
  release();
  await committed;
  return await Promise.all(results);
}

/**
 * Resolves once the waiter has done what it does before it sleeps on notifications: its
 * registration blocked behind the open write (fixed), or its reads finished and the waiter
 * is idle with the watch registered (the old behaviour).
 */
async function waiterSettled(observer: postgres.Sql, namespace: string, id: string): Promise<void> {
  for (;;) {
    const [row] = await observer.unsafe(
      `SELECT
         (SELECT count(*)::int FROM pg_stat_activity
           WHERE application_name = 'stem' AND wait_event_type = 'Lock') AS blocked,
         (SELECT count(*)::int FROM pg_stat_activity
           WHERE application_name = 'stem' AND state = 'active' AND pid <> pg_backend_pid()
             AND query NOT ILIKE 'listen%') AS active,
         (SELECT count(*)::int FROM "${namespace}".stem_watchers WHERE task_id = $1) AS watchers`,
      [id],
    );
    if (row.blocked > 0 || (row.active === 0 && row.watchers > 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe("PostgreSQL status watches and writes in flight", { skip }, () => {
  test("waitForTask started while the terminal write is uncommitted gets the result", async () => {
    const race = await setup();
    try {
      const id = `race-${counter}`;
      await race.stores.statuses.set(status(id, "running"));
      const [result] = await waitAcrossOpenWrite(race, id, 1, "5s");
      assert.equal(result.timedOut, false, "the waiter saw the committed write");
      assert.equal(result.status?.state, "succeeded");
      assert.equal(result.value, 42);
    } finally {
      await race.end();
    }
  });

  test("a second waiter of the same id in one process waits for the first's registration", async () => {
    const race = await setup();
    try {
      const id = `race-twice-${counter}`;
      await race.stores.statuses.set(status(id, "running"));
      for (const result of await waitAcrossOpenWrite(race, id, 2, "5s")) {
        assert.equal(result.timedOut, false);
        assert.equal(result.value, 42);
      }
    } finally {
      await race.end();
    }
  });

  test("a status first written while the waiter registers is still seen", async () => {
    const race = await setup();
    try {
      const [result] = await waitAcrossOpenWrite(race, `race-new-${counter}`, 1, "10s");
      assert.equal(result.timedOut, false, "the row that appeared after registering was read");
      assert.equal(result.value, 42);
    } finally {
      await race.end();
    }
  });
});
