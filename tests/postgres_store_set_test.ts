// Postgres: every store on one pool, bounded calls across restarts and bad endpoints, and status
// writes that reject values JSON cannot hold without wedging later writes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { connect, PostgresBroker } from "../adapters/postgres/mod.ts";
import { testEnvelope } from "../src/testing/test_values.ts";
import type { TaskStatusInput } from "../src/backend/task_status.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";

const skip = postgresSkipReason();
let server: PostgresServer;
let counter = 0;
const ns = () => `storeset_${process.pid}_${++counter}`;

before(async () => {
  if (!skip) server = await startPostgres();
});
after(async () => {
  await server?.stop();
});

const status = (id: string, result: unknown): TaskStatusInput =>
  ({ id, name: "t", state: "succeeded", result, attempt: 0, meta: {} }) as TaskStatusInput;

describe("PostgreSQL StoreSet", { skip }, () => {
  test("connect() serves every store from one pool and closes it once", async () => {
    const namespace = ns();
    const stores = await connect(server.url, { namespace, max: 2 });
    const envelope = testEnvelope({ queue: "one-pool" });
    await stores.broker.publish(envelope);
    await stores.statuses.set(status(envelope.id, 1));
    await stores.kv.set("k", "v");
    await stores.groups.initGroup({ id: "g", expected: 1 });
    await stores.heartbeats.setWorkerHeartbeat({
      workerId: "w",
      timestamp: 1,
      inflight: 0,
      queues: [],
    });
    await stores.statuses.watch(envelope.id, () => {});
    assert.equal(stores.deadLetters, stores.broker);
    const [row] = await stores.sql.unsafe(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'stem' AND pid <> pg_backend_pid()",
    );
    // Two pooled connections, the one above included, plus the LISTEN connection.
    assert.ok(Number(row.n) <= 2, `connections besides this one: ${row.n}`);
    assert.equal((await stores.broker.counts("one-pool")).pending, 1);
    await stores.close();
    await stores.close();
  });

  test("a delivery counts how often it was handed out, lease-expiry reclaims included", async () => {
    const stores = await connect(server.url, { namespace: ns(), max: 2 });
    await stores.broker.publish(testEnvelope({ queue: "dc", visibilityTimeout: 50 }));
    const first = await nextDelivery(stores.broker, "dc");
    assert.equal(first.deliveryCount, 1);
    const second = await nextDelivery(stores.broker, "dc");
    assert.equal(second.deliveryCount, 2);
    await stores.broker.ack(second);
    await stores.close();
  });

  test("a status JSON cannot hold rejects with payload-encode-failed; later writes work", async () => {
    const stores = await connect(server.url, { namespace: ns(), max: 2 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const results = await Promise.allSettled([
      stores.statuses.set(status("big", 10n)),
      stores.statuses.set(status("cycle", cyclic)),
      stores.statuses.set(status("fine", 1)),
    ]);
    for (const r of results.slice(0, 2)) {
      assert.equal(r.status, "rejected");
      assert.equal((r as PromiseRejectedResult).reason.code, "payload-encode-failed");
    }
    assert.equal(results[2].status, "fulfilled", "a good write in the same batch is kept");
    await stores.statuses.set(status("later", 2));
    assert.equal((await stores.statuses.get("later"))?.result, 2);
    assert.equal(await stores.statuses.get("big"), null);
    await stores.close();
  });

  test("connect to an endpoint that accepts and closes backs off between attempts, rejects with connection-failed and stops", async () => {
    let accepted = 0;
    const listener = net.createServer((socket) => {
      accepted++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
    const port = (listener.address() as net.AddressInfo).port;
    await assert.rejects(
      PostgresBroker.connect(`postgres://stem@127.0.0.1:${port}/db`, { connectTimeout: 1 }),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, "connection-failed");
        assert.match(error.message, /is it PostgreSQL, and is it accepting connections/);
        return true;
      },
    );
    // Attempts back off (50 ms doubling, jittered down to half): within the 1 s connectTimeout
    // at most ~7 fit; without the bounded first connection postgres.js made ~300.
    assert.ok(accepted >= 1, "it tried");
    assert.ok(accepted <= 12, `connection attempts within connectTimeout: ${accepted}`);
    const probe = () =>
      new Promise<void>((resolve) => {
        const socket = net.connect(port, "127.0.0.1");
        socket.on("close", () => resolve());
        socket.on("error", () => resolve());
      });
    // An attempt already in flight when connect() gave up may still land; after one probe round
    // trip nothing but our own second probe reaches the listener.
    await probe();
    const settled = accepted;
    await probe();
    assert.equal(accepted, settled + 1, "nothing keeps reconnecting after connect() rejected");
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  test("calls made while PostgreSQL is down reject within operationTimeout; after it is back they work", async () => {
    const stores = await connect(server.url, {
      namespace: ns(),
      max: 2,
      operationTimeout: "1s",
    });
    await stores.statuses.set(status("before", 1));
    await server.stopServer();
    try {
      await assert.rejects(stores.statuses.get("before"), (error: Error & { code?: string }) => {
        assert.ok(
          ["operation-timeout", "ECONNREFUSED", "CONNECTION_CLOSED", "CONNECTION_ENDED"]
            .includes(String(error.code)),
          `bounded failure, got ${error.code}: ${error.message}`,
        );
        return true;
      });
    } finally {
      await server.startServer();
    }
    // The pool's connections died with the server: reads retry past the stale errors.
    assert.equal((await stores.statuses.get("before"))?.result, 1);
    await stores.close();
  });
});

async function nextDelivery(
  broker: PostgresBroker | import("../adapters/_sql/sql_broker.ts").SqlBroker,
  queue: string,
) {
  const controller = new AbortController();
  const iterator = broker.consume({ queues: [queue], signal: controller.signal })[
    Symbol.asyncIterator
  ]();
  const { value } = await iterator.next();
  controller.abort();
  await iterator.return?.();
  return value!;
}
