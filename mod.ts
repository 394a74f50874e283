/**
 * Stem: Celery-style background jobs for Deno and Bun, with producers that run on edge hosts.
 *
 * @example
 * ```ts
 * import { FunctionTaskHandler, StemApp } from "./mod.ts";
 * const app = await StemApp.inMemory({
 *   tasks: [new FunctionTaskHandler({ name: "hello.print", entrypoint: (_ctx, args) => `Hello ${args.name}` })],
 * });
 * await app.start();
 * const id = await app.stem.enqueue("hello.print", { args: { name: "Stem" } });
 * const result = await app.stem.waitForTask<string>(id, { timeout: "5s" });
 * await app.close();
 * ```
 *
 * @module
 */
export type {
  AdapterConnectOptions,
  StemAdapter,
  StoreSet,
  StoreSetOptions,
  WorkerSyncDefaults,
} from "./src/core/adapter.ts";
export { redactUrl } from "./src/core/adapter.ts";
export type {
  Broker,
  BrokerCapabilities,
  ConsumeOptions,
  Delivery,
  NackOptions,
  QueueCounts,
} from "./src/broker/broker.ts";
export type {
  DeadLetterEntry,
  DeadLetterPage,
  DeadLetterStore,
  ReplayOptions,
  ReplayResult,
} from "./src/broker/dead_letter_store.ts";
export { DEFAULT_VISIBILITY_TIMEOUT_MS } from "./src/broker/broker.ts";
export { type Clock, systemClock, type TimerHandle } from "./src/core/clock.ts";
export { DeadLetterReason, replayedEnvelope } from "./src/core/dead_letters.ts";
export {
  type Duration,
  type DurationUnit,
  type Instant,
  isDuration,
  toEpochMillis,
  toMillis,
} from "./src/core/duration.ts";
export {
  type EnqueueCheckOptions,
  enqueueRequestIssues,
  validateEnqueueRequest,
} from "./src/core/envelope_validation.ts";
export { type JsonProblem, MAX_PAYLOAD_DEPTH, PayloadEncodeError } from "./src/core/json_check.ts";
export {
  InvalidQueueError,
  MAX_QUEUE_NAME_LENGTH,
  validateQueueName,
} from "./src/core/queue_name.ts";
export { normalizeRetryPolicy, type RetryPolicyInput } from "./src/core/retry_policy.ts";
export { OperationTimeoutError } from "./src/producer/operation_timeout.ts";
export {
  decodeEnvelope,
  encodeEnvelope,
  type Envelope,
  type EnvelopeSignature,
  type JsonValue,
  type LinkedCall,
  malformedEnvelope,
  type TaskRetryPolicy,
  type TaskTimeLimits,
} from "./src/core/envelope.ts";
export {
  DuplicateTaskIdError,
  EnvelopeError,
  LeaseLostError,
  RetryExhaustedError,
  SignatureError,
  type SignatureFailure,
  StemError,
  type StemErrorOptions,
  TaskExpiredError,
  TaskRetryRequest,
  TaskRevokedError,
  TaskTimeoutError,
  UnknownEncoderError,
  UnknownTaskError,
  ValidationError,
  type ValidationIssue,
  WaitTimeoutError,
} from "./src/core/errors.ts";
export { uuidv7 } from "./src/core/ids.ts";
export type { StandardResult, StandardSchemaV1 } from "./src/core/standard_schema.ts";
export type { RetryRequestOptions, TaskContext } from "./src/core/task_context.ts";
export {
  type CallOverrides,
  PAYLOAD_VERSION_KEY,
  type PayloadCodec,
  type TaskCall,
  TaskDefinition,
  type TaskDefinitionOptions,
  TaskEnqueueBuilder,
  type TaskEnqueuer,
  type TaskWaiter,
  type TaskWaiterSource,
  type VersionedJsonOptions,
} from "./src/core/task_definition.ts";
export {
  type AnyTaskHandler,
  FunctionTaskHandler,
  type FunctionTaskHandlerOptions,
  type TaskHandler,
  type TaskMetadata,
} from "./src/core/task_handler.ts";
export type {
  EnqueueRequest,
  GroupRateKeyFn,
  TaskEnqueueOptions,
  TaskOptions,
  UniqueKeyFn,
  UniqueMode,
} from "./src/core/task_options.ts";
export { SimpleTaskRegistry, type TaskRegistry } from "./src/core/task_registry.ts";
export type {
  GroupDescriptor,
  GroupStatus,
  ResultBackend,
  SetStatusOptions,
  TaskStatusQuery,
  Unwatch,
  WorkerHeartbeat,
} from "./src/backend/result_backend.ts";
export { DEFAULT_HEARTBEAT_TTL_MS, DEFAULT_RESULT_TTL_MS } from "./src/backend/result_backend.ts";
export { TaskResult } from "./src/backend/task_result.ts";
export {
  isTerminal,
  type TaskError,
  type TaskProgress,
  type TaskState,
  type TaskStatus,
  type TaskStatusInput,
  type TaskTimestamps,
  TERMINAL_STATES,
} from "./src/backend/task_status.ts";
export {
  jsonPayloadEncoder,
  type TaskPayloadEncoder,
  TaskPayloadEncoderRegistry,
} from "./src/producer/payload_encoder.ts";
export {
  type EnqueueDetail,
  type NamedEnqueueRequest,
  Stem,
  type StemOptions,
  type WaitOptions,
} from "./src/producer/stem.ts";
export type { Lineage } from "./src/producer/envelope_builder.ts";
export type { EnvelopeSigner } from "./src/security/envelope_signer.ts";
export { type ConnectOptions, Signal, type SignalErrorHandler } from "./src/signals/signal.ts";
export {
  createSignals,
  type RateLimiterDegradedPayload,
  type ScheduleFire,
  type SignalFilter,
  StemSignals,
  type StemSignalSet,
  type TaskDeduplicatedPayload,
  type TaskFailedPayload,
  type TaskRef,
  type TaskRejectedPayload,
  type TaskRetryPayload,
  type TaskSucceededPayload,
} from "./src/signals/stem_signals.ts";
export {
  type ExponentialJitterOptions,
  ExponentialJitterRetryStrategy,
  policyDelay,
  type RetryStrategy,
} from "./src/worker/retry_strategy.ts";
export { type ShutdownOptions, Worker, type WorkerOptions } from "./src/worker/worker.ts";
export type { DrainOptions, DrainSummary } from "./src/worker/drain_options.ts";
export { type AutoscaleOptions, Autoscaler } from "./src/worker/autoscaler.ts";
export {
  type HostMessage,
  IsolateBoundaryError,
  IsolateCrashedError,
  type IsolatedRunner,
  type IsolateEndpoint,
  type IsolateEvents,
  type IsolateMessage,
  type IsolateOptions,
  IsolatePool,
  type IsolatePoolStats,
  type IsolateProcess,
  IsolateStartError,
  IsolationUnavailableError,
  serveIsolate,
  type ServeIsolateOptions,
  type WireError,
} from "./src/isolate/mod.ts";
export { composeEnqueue, type TaskMiddleware, type TaskOutcome } from "./src/worker/middleware.ts";
export { replayResetsStatus } from "./src/worker/dead_letter_replay.ts";
export { builtInAdapters, StemApp, type StemAppEnvOptions } from "./app.ts";
export { StemAppBase, type StemAppOptions } from "./src/bootstrap/stem_app_base.ts";
export * from "./src/canvas/mod.ts";
export type { StemAppUrlOptions } from "./src/bootstrap/connect_app.ts";
export { connectStores, type StemAppParts, storesFromParts } from "./src/bootstrap/store_sets.ts";
export {
  type AdapterLoader,
  type AdapterTable,
  registerStemAdapter,
  urlScheme,
} from "./src/bootstrap/adapter_registry.ts";
export { InMemoryBroker, InMemoryResultBackend } from "./adapters/memory/mod.ts";
export {
  consoleLogger,
  type ConsoleLoggerOptions,
  type LogFields,
  type Logger,
  type LogLevel,
  silentLogger,
} from "./src/observability/logger.ts";
export { tracingMiddleware, type TracingOptions } from "./src/observability/tracing.ts";
export { TaskMetrics, type TaskMetricsOptions } from "./src/observability/task_metrics.ts";
export {
  DEFAULT_REVOKE_TTL_MS,
  type RevokeEntry,
  type RevokeStore,
} from "./src/control/revoke_store.ts";
export { KvRevokeStore, REVOKE_KEY_PREFIX } from "./src/control/kv_revoke_store.ts";
export { RevocationGuard, type RevocationGuardOptions } from "./src/control/revocation_guard.ts";
export { type RevokeDeps, type RevokeOptions, revokeTask } from "./src/control/revoke_task.ts";
export {
  type ControlApi,
  type ControlOptions,
  type ControlReply,
  type ControlResult,
  type ControlShutdownOptions,
  type InspectReply,
  type MemoryUsage,
  type PausedQueue,
  type PingReply,
  type QueuePauseOptions,
  type QueueStateReply,
  type RevokeReply,
  type RunningTaskInfo,
  SHUTDOWN_MODES,
  type ShutdownMode,
  type ShutdownReply,
  type StatsReply,
} from "./src/control/control_api.ts";
export { Beat, type BeatOptions, type DispatchReport } from "./src/scheduler/beat.ts";
export { BEAT_NONCE_PREFIX, beatDuplicateFilter } from "./src/scheduler/beat_duplicate_filter.ts";
export {
  KvScheduleStore,
  SCHEDULE_CLAIM_PREFIX,
  SCHEDULE_ENTRY_PREFIX,
} from "./src/scheduler/kv_schedule_store.ts";
export {
  type CatchUp,
  fireTaskId,
  type ScheduleEntry,
  type ScheduleEntryInput,
} from "./src/scheduler/schedule_entry.ts";
export { ScheduleSpecError, ScheduleVersionError } from "./src/scheduler/schedule_error.ts";
export { pollScheduleChanges } from "./src/scheduler/poll_changes.ts";
export type { ScheduleRun, ScheduleStore, UpsertOptions } from "./src/scheduler/schedule_store.ts";
export {
  type EntryTiming,
  entryTiming,
  type FirePlan,
  planFires,
} from "./src/scheduler/fire_plan.ts";
export { parseSpec, validateTimezone } from "./src/scheduler/specs/parse_spec.ts";
export { solarEvent } from "./src/scheduler/specs/solar_spec.ts";
export type {
  CalendarSpec,
  ClockedSpec,
  CronSpec,
  FireTimes,
  IntervalSpec,
  ScheduleSpec,
  SolarSpec,
} from "./src/scheduler/specs/schedule_spec.ts";
export {
  parseTraceHeaders,
  TRACE_HEADERS,
  traceHeaders,
} from "./src/observability/trace_context.ts";
export {
  checkHealth,
  type HealthCheckOptions,
  type HealthReport,
  type QueueOverview,
  queueOverview,
  type QueueOverviewSource,
  type StoreProbe,
  type WorkerOverview,
  workerOverview,
  workerView,
} from "./src/inspect/mod.ts";
export { PayloadSigner } from "./src/security/payload_signer.ts";
export type {
  KeyMaterial,
  SigningAlgorithm,
  SigningConfig,
} from "./src/security/signing_config.ts";
export { canonicalEnvelope, UNSIGNED_FIELDS } from "./src/security/canonical_envelope.ts";
export {
  type GeneratedKeyKind,
  type GeneratedKeys,
  generateKeys,
} from "./src/security/key_generation.ts";
export {
  StemConfig,
  type StemConfigAppOptions,
  type StemConfigConnectOptions,
  type StemConfigInit,
} from "./src/config/stem_config.ts";
export type { ReadTextFile, TlsConnectOptions } from "./src/config/tls_options.ts";
export { ConfigError } from "./src/config/config_error.ts";
export type { EnvSource } from "./src/config/env_source.ts";
export type { TlsConfig } from "./src/config/tls_config.ts";
export { gzipPayloadEncoder } from "./src/producer/encoders/gzip_encoder.ts";
export {
  type AesGcmEncoderOptions,
  AesGcmPayloadEncoder,
  type EncryptionConfig,
} from "./src/producer/encoders/aes_gcm_encoder.ts";
export { PayloadDecodeError } from "./src/producer/encoders/payload_decode_error.ts";
export type { LockStore } from "./src/locks/lock_store.ts";
export { KvLockStore, type KvLockStoreOptions } from "./src/locks/kv_lock_store.ts";
export { locksOf } from "./src/locks/locks_of.ts";
export { UniqueTasks, type UniqueTasksOptions } from "./src/unique/unique_tasks.ts";
export { canonicalJson, defaultUniqueKey } from "./src/unique/unique_key.ts";
export { DEFAULT_UNIQUE_FOR } from "./src/unique/unique_meta.ts";
export {
  DeferDelivery,
  type DeferDeliveryOptions,
  SupersededDelivery,
} from "./src/core/consume_verdict.ts";
export { parseRate, type Rate, RateLimitError, type RateLimitSpec } from "./src/rate_limit/rate.ts";
export type {
  RateAcquireOptions,
  RateDecision,
  RateLimiter,
} from "./src/rate_limit/rate_limiter.ts";
export { KvRateLimiter, type KvRateLimiterOptions } from "./src/rate_limit/kv_rate_limiter.ts";
export { rateLimiterOf } from "./src/rate_limit/rate_limiter_of.ts";
export { RateLimits, type RateLimitsOptions } from "./src/rate_limit/rate_limits.ts";
export {
  QueueConcurrency,
  type QueueConcurrencyOptions,
} from "./src/rate_limit/queue_concurrency.ts";
export * from "./src/workflow/mod.ts";
export { StemWorkflowApp } from "./workflow_app.ts";
export type { StemWorkflowAppOptions } from "./workflow_app.ts";
export type {
  AtomicKv,
  AtomicKvCapabilities,
  KvEntry,
  KvListOptions,
  KvWriteOptions,
} from "./src/kv/atomic_kv.ts";
export type { StatusStore } from "./src/backend/status_store.ts";
export {
  BroadcastError,
  globMatcher,
  type QueueSpec,
  type RouteDecision,
  type RouteQuery,
  type Router,
  type RouteRequest,
  type RouteSpec,
  type RouteTarget,
  RoutingConfig,
  RoutingConfigError,
  type RoutingOptions,
  type RoutingSpec,
} from "./src/routing/mod.ts";
export {
  BROADCAST_INBOX_PREFIX,
  BroadcastDirectory,
  broadcastInboxOf,
} from "./src/routing/broadcast_directory.ts";
export {
  BroadcastSubscription,
  type BroadcastSubscriptionOptions,
} from "./src/routing/broadcast_subscription.ts";
export {
  isQueueEvent,
  MAX_EVENT_RESULT_LENGTH,
  QUEUE_EVENT_TYPES,
  QUEUE_EVENTS_TOPIC,
  type QueueEvent,
  type QueueEventError,
  QueueEvents,
  type QueueEventsOptions,
  QueueEventsPublisher,
  type QueueEventsPublisherOptions,
  type QueueEventType,
} from "./src/queue_events/mod.ts";
