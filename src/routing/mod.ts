/**
 * Routing: where the producer sends each task (queues, aliases, priority ranges, broadcast
 * channels), and which queues a worker consumes.
 *
 * @module
 */
export { globMatcher } from "./glob.ts";
export {
  type QueueSpec,
  type RouteDecision,
  type RouteQuery,
  type Router,
  type RouteRequest,
  type RouteSpec,
  type RouteTarget,
  RoutingConfig,
  type RoutingOptions,
  type RoutingSpec,
} from "./routing_config.ts";
export { RoutingConfigError } from "./routing_error.ts";
export { BroadcastError } from "./broadcast_error.ts";
