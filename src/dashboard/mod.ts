/**
 * The Stem dashboard: a hono app to mount in your server or run with `stem dashboard`.
 * Server-rendered, live over server-sent events, no build step and no CDN.
 *
 * @example
 * ```ts ignore
 * import { stemDashboard } from "@stem/stem/dashboard";
 * const dashboard = stemDashboard(app, { auth: { bearer: "s3cret-token" } });
 * Deno.serve(dashboard.fetch);
 * ```
 *
 * @module
 */
export { type DashboardEnv, stemDashboard } from "./stem_dashboard.ts";
export type { DashboardApp, DashboardOptions } from "./dashboard_options.ts";
export type { DashboardAuthOptions } from "./dashboard_auth.ts";
export type { DashboardControl, DashboardControlResult } from "./dashboard_control.ts";
export { CSRF_FIELD, CSRF_HEADER } from "./csrf.ts";
export { replayOneDeadLetter, type ReplayOneResult } from "./replay_one.ts";
