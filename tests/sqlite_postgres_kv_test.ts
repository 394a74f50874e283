// The AtomicKv cases against the shared SQL kv on SQLite and on a real PostgreSQL, each through
// the adapter's one-connection StoreSet.
import * as api from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as connectPostgres } from "../adapters/postgres/mod.ts";
import { connect as connectSqlite } from "../adapters/sqlite/mod.ts";
import { runKvCases } from "../src/testing/contracts/kv/sql_kv_cases.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";

const dir = mkdtempSync(join(tmpdir(), "stem-sql-kv-"));
let n = 0;
api.after(() => rmSync(dir, { recursive: true, force: true }));

runKvCases({
  name: "sqlite",
  api,
  create: async (clock) => {
    const stores = await connectSqlite(join(dir, `kv-${++n}.db`), { clock });
    return Object.assign(stores.kv, { close: () => stores.close() });
  },
});

const skip = postgresSkipReason();
if (skip) {
  api.test("AtomicKv cases: postgres", { skip }, () => {});
} else {
  let server: PostgresServer;
  api.before(async () => {
    server = await startPostgres();
  });
  api.after(async () => {
    await server?.stop();
  });
  runKvCases({
    name: "postgres",
    api,
    create: async (clock) => {
      const stores = await connectPostgres(server.url, {
        namespace: `kv_${process.pid}_${++n}`,
        clock,
        max: 2,
      });
      return Object.assign(stores.kv, { close: () => stores.close() });
    },
  });
}
