// The one contract loop: every port's suite for every store of every adapter fixture.
// Select one fixture with STEM_CONTRACT_FIXTURE=<name> (e.g. redis-http) while working on it.
import * as api from "node:test";
import process from "node:process";
import { runAdapterContracts } from "../src/testing/mod.ts";
import { adapterFixtures } from "./helpers/adapter_fixtures.ts";

const only = process.env.STEM_CONTRACT_FIXTURE;

for (const make of adapterFixtures) {
  if (only && !make.name.toLowerCase().startsWith(only.replace(/-/g, "").toLowerCase())) continue;
  const fixture = await make(api);
  if ("skip" in fixture) {
    api.test(`contracts: ${make.name}`, { skip: fixture.skip }, () => {});
    continue;
  }
  await runAdapterContracts(fixture);
}
