/**
 * Queue events: task lifecycle events across processes over the store set's `EventBus`.
 *
 * @module
 */
export {
  isQueueEvent,
  QUEUE_EVENT_TYPES,
  QUEUE_EVENTS_TOPIC,
  type QueueEvent,
  type QueueEventError,
  type QueueEventType,
} from "./queue_event.ts";
export { QueueEvents, type QueueEventsOptions } from "./queue_events.ts";
export {
  MAX_EVENT_RESULT_LENGTH,
  QueueEventsPublisher,
  type QueueEventsPublisherOptions,
} from "./queue_events_publisher.ts";
