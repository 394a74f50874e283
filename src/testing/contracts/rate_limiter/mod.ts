import type { RateLimiter } from "../../../rate_limit/rate_limiter.ts";
import { runStoreSuite, type StoreSuiteOptions } from "../contract_case.ts";
import { rateLimiterCases } from "./cases.ts";

export type { RateLimiterCase } from "./cases.ts";
export { rateLimiterCases } from "./cases.ts";

/**
 * Registers the RateLimiter conformance cases.
 *
 * @example
 * ```ts ignore
 * runRateLimiterContract({ name: "mine", api, capabilities: {},
 *   create: async () => ({ store: new KvRateLimiter(kv), dispose: async () => {} }) });
 * ```
 */
export function runRateLimiterContract(
  options: StoreSuiteOptions<RateLimiter, Record<never, never>>,
): void {
  runStoreSuite("RateLimiter", options, rateLimiterCases);
}
