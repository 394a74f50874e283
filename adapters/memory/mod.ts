/**
 * In-memory broker and result backend: the embedded default for tests and demos.
 *
 * @module
 */
import { InMemoryBroker } from "./memory_broker.ts";
import { InMemoryResultBackend } from "./memory_result_backend.ts";
import type { StemAdapter } from "../../src/core/adapter.ts";

export { InMemoryBroker } from "./memory_broker.ts";
export type { InMemoryBrokerOptions } from "./memory_broker.ts";
export { InMemoryResultBackend } from "./memory_result_backend.ts";
export type { InMemoryResultBackendOptions } from "./memory_result_backend.ts";

/** Adapter for `memory://` URLs (each call makes a new, empty instance). */
export const stemAdapter: StemAdapter = {
  schemes: ["memory"],
  createBroker: () => Promise.resolve(new InMemoryBroker()),
  createBackend: () => Promise.resolve(new InMemoryResultBackend()),
};
