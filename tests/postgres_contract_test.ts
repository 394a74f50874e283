import * as api from "node:test";
import { PostgresBroker } from "../adapters/postgres/postgres_broker.ts";
import { PostgresResultBackend } from "../adapters/postgres/postgres_result_backend.ts";
import { runBrokerContract } from "../src/testing/broker_contract.ts";
import { runResultBackendContract } from "../src/testing/result_backend_contract.ts";
import { runSettleCases } from "../src/testing/contracts/broker/settle_cases.ts";
import { faultyPostgresBroker } from "./helpers/settle_faults.ts";
import {
  type PostgresServer,
  postgresSkipReason,
  startPostgres,
} from "./helpers/postgres_server.ts";

const skip = postgresSkipReason();
let server: PostgresServer;
let counter = 0;
let namespace = "";
const fresh = () => (namespace = `contract_${process.pid}_${++counter}`);

if (skip) {
  api.test("PostgreSQL contract suites", { skip }, () => {});
} else {
  api.before(async () => {
    server = await startPostgres();
  });
  api.after(async () => {
    await server?.stop();
  });
  const postgresBroker = {
    name: "postgres",
    api,
    create: () => PostgresBroker.connect(server.url, { namespace: fresh(), max: 4 }),
  };
  runBrokerContract(postgresBroker);
  runSettleCases({
    ...postgresBroker,
    createFaulty: () => faultyPostgresBroker(server.url, { namespace: fresh(), pollInterval: 200 }),
  });
  runResultBackendContract({
    name: "postgres",
    api,
    create: () => PostgresResultBackend.connect(server.url, { namespace: fresh(), max: 4 }),
    createPeer: () => PostgresResultBackend.connect(server.url, { namespace, max: 2 }),
  });
}
