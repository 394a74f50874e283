// The one-statement settle of the Postgres adapter: a final status and the ack in one statement
// when the broker and the status store share a pool (issue 10); SQLite keeps the two steps.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect, PostgresBroker } from "../adapters/postgres/mod.ts";
import { connect as connectSqlite } from "../adapters/sqlite/mod.ts";
import type { Broker, Delivery } from "../src/broker/broker.ts";
import type { TaskStatusInput } from "../src/backend/task_status.ts";
import { nextWithin } from "../src/testing/contract_harness.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
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

const ns = () => `s${Math.random().toString(36).slice(2, 10)}`;

async function take(broker: Broker, queue: string): Promise<Delivery> {
  const controller = new AbortController();
  const it = broker.consume({ queues: [queue], signal: controller.signal })[Symbol.asyncIterator]();
  const d = await nextWithin(it, 5_000);
  controller.abort();
  assert.ok(d, `a delivery on ${queue}`);
  return d;
}

function succeeded(delivery: Delivery): TaskStatusInput {
  const e = delivery.envelope;
  return {
    id: e.id,
    name: e.name,
    state: "succeeded",
    result: 42,
    error: null,
    attempt: e.attempt,
    meta: { queue: delivery.queue },
    progress: null,
  };
}

describe("Postgres settle in one statement", { skip }, () => {
  test("stores the final status and acks; a stale token acks nothing", async () => {
    const stores = await connect(server.url, { namespace: ns() });
    try {
      await stores.broker.publishMany([testEnvelope({ queue: "q" }), testEnvelope({ queue: "q" })]);
      const a = await take(stores.broker, "q");
      const b = await take(stores.broker, "q");
      const [id, token] = b.receipt.split(":");
      const stale = { ...b, receipt: `${id}:${Number(token) + 1}` };
      const [sa] = await Promise.all([
        stores.statuses.setAndAck(succeeded(a), {}, stores.broker, a),
        stores.statuses.setAndAck(succeeded(b), {}, stores.broker, stale),
      ]);
      assert.equal(sa?.state, "succeeded");
      assert.equal((await stores.statuses.get(a.envelope.id))?.result, 42);
      assert.equal((await stores.statuses.get(b.envelope.id))?.state, "succeeded");
      assert.equal(
        (await stores.broker.counts("q")).inflight,
        1,
        "the stale receipt acked nothing",
      );
      await stores.broker.ack(b);
      assert.equal((await stores.broker.counts("q")).inflight, 0);
    } finally {
      await stores.close();
    }
  });

  test("a broker on another pool, or SQLite, gets null: the caller writes and acks", async () => {
    const stores = await connect(server.url, { namespace: ns() });
    const other = await PostgresBroker.connect(server.url, { namespace: ns() });
    const dir = mkdtempSync(join(tmpdir(), "stem-settle-"));
    const lite = await connectSqlite(join(dir, "s.db"));
    try {
      await other.publish(testEnvelope({ queue: "q" }));
      const d = await take(other, "q");
      assert.equal(stores.statuses.setAndAck(succeeded(d), {}, other, d), null);
      await other.ack(d);
      await lite.broker.publish(testEnvelope({ queue: "q" }));
      const l = await take(lite.broker, "q");
      assert.equal(lite.statuses.setAndAck?.(succeeded(l), {}, lite.broker, l) ?? null, null);
      await lite.broker.ack(l);
    } finally {
      await lite.close();
      await other.close();
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
