import * as api from "node:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteBroker } from "../adapters/sqlite/sqlite_broker.ts";
import { SqliteResultBackend } from "../adapters/sqlite/sqlite_result_backend.ts";
import { runBrokerContract } from "../src/testing/broker_contract.ts";
import { runResultBackendContract } from "../src/testing/result_backend_contract.ts";
import { runSettleCases } from "../src/testing/contracts/broker/settle_cases.ts";
import { faultySqliteBroker } from "./helpers/settle_faults.ts";

const dir = mkdtempSync(join(tmpdir(), "stem-sqlite-contract-"));
let counter = 0;
let file = "";
const fresh = () => (file = join(dir, `stem-${++counter}.db`));

api.after(() => rmSync(dir, { recursive: true, force: true }));

const sqliteBroker = { name: "sqlite", api, create: () => SqliteBroker.open(fresh()) };
runBrokerContract(sqliteBroker);
runSettleCases({ ...sqliteBroker, createFaulty: () => faultySqliteBroker(fresh()) });
runResultBackendContract({
  name: "sqlite",
  api,
  create: () => SqliteResultBackend.open(fresh()),
  createPeer: () => SqliteResultBackend.open(file),
});
