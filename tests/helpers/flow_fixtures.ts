// Apps over every adapter fixture (memory, sqlite, postgres, redis-tcp, redis-http), for the
// flow-control tests: one server per fixture per file, a fresh namespace or file per app.
import * as api from "node:test";
import type { StoreSet } from "../../src/core/adapter.ts";
import { StemAppBase, type StemAppOptions } from "../../src/bootstrap/stem_app_base.ts";
import { adapterFixtures } from "./adapter_fixtures.ts";

/** One adapter: opens a fresh store set, or says why it cannot run here. */
export interface FlowFixture {
  /** Fixture name. */
  name: string;
  /** Why it is skipped, or false. */
  skip: string | false;
  /** A fresh store set. */
  connect: () => Promise<StoreSet>;
  /** An app over a fresh store set. */
  app: (options: StemAppOptions) => Promise<StemAppBase>;
}

/** Every fixture, its server started once for the file. */
export async function flowFixtures(): Promise<FlowFixture[]> {
  const list: FlowFixture[] = [];
  for (const make of adapterFixtures) {
    const fixture = await make(api);
    if ("skip" in fixture) {
      list.push({
        name: make.name,
        skip: fixture.skip,
        connect: () => Promise.reject(new Error(fixture.skip)),
        app: () => Promise.reject(new Error(fixture.skip)),
      });
      continue;
    }
    const connect = async () => (await fixture.connect()) as StoreSet;
    list.push({
      name: fixture.name,
      skip: false,
      connect,
      app: async (options) => new StemAppBase(await connect(), options),
    });
  }
  return list;
}

/** Re-reads `probe` until `predicate` holds (server-side TTLs announce nothing), up to 10 s. */
export async function eventually<T>(
  probe: () => Promise<T>,
  predicate: (value: T) => boolean,
): Promise<T> {
  const deadline = Date.now() + 10_000;
  let value = await probe();
  while (!predicate(value) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    value = await probe();
  }
  return value;
}
