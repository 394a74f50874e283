/**
 * The producer-only entry of Stem: enqueue tasks, sign them, encode payloads, read config and
 * results, with nothing from the worker, the scheduler or any runtime (`Deno`, `Bun`, `node:*`).
 * This is what an edge handler (Cloudflare Workers, Deno Deploy, Vercel edge) imports.
 *
 * @example
 * ```ts ignore
 * import { PayloadSigner, Stem, StemConfig } from "@stem/stem/producer";
 * import { HttpTransport, RedisResultBackend, RedisStreamsBroker } from "@stem/stem/redis";
 *
 * export default {
 *   async fetch(request: Request, env: Record<string, string>): Promise<Response> {
 *     const config = StemConfig.fromEnvironment(env); // STEM_BROKER_URL=https://:TOKEN@host
 *     const transport = HttpTransport.connect(config.brokerUrl);
 *     const stem = new Stem({
 *       broker: new RedisStreamsBroker(transport),
 *       backend: new RedisResultBackend(transport),
 *       signer: PayloadSigner.maybe(config.signing),
 *     });
 *     const id = await stem.enqueue("emails.send", { args: await request.json() });
 *     return Response.json({ id }, { status: 202 });
 *   },
 * };
 * ```
 *
 * @module
 */
export type { Broker } from "./src/broker/broker.ts";
export type { ResultBackend } from "./src/backend/result_backend.ts";
export { TaskResult } from "./src/backend/task_result.ts";
export { isTerminal, type TaskState, type TaskStatus } from "./src/backend/task_status.ts";
export { type Clock, systemClock } from "./src/core/clock.ts";
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
export type { Envelope, EnvelopeSignature, JsonValue } from "./src/core/envelope.ts";
export {
  DuplicateTaskIdError,
  SignatureError,
  type SignatureFailure,
  StemError,
  UnknownEncoderError,
  UnknownTaskError,
  ValidationError,
  WaitTimeoutError,
} from "./src/core/errors.ts";
export {
  type CallOverrides,
  PAYLOAD_VERSION_KEY,
  type PayloadCodec,
  type TaskCall,
  TaskDefinition,
  type TaskDefinitionOptions,
  type TaskWaiterSource,
  type VersionedJsonOptions,
} from "./src/core/task_definition.ts";
export type { TaskMetadata } from "./src/core/task_handler.ts";
export type {
  EnqueueRequest,
  TaskEnqueueOptions,
  TaskOptions,
  UniqueKeyFn,
  UniqueMode,
} from "./src/core/task_options.ts";
export {
  type EnqueueDetail,
  Stem,
  type StemOptions,
  type WaitOptions,
} from "./src/producer/stem.ts";
export { UniqueTasks, type UniqueTasksOptions } from "./src/unique/unique_tasks.ts";
export { KvLockStore } from "./src/locks/kv_lock_store.ts";
export type { LockStore } from "./src/locks/lock_store.ts";
export type { TaskMiddleware } from "./src/core/middleware.ts";
export {
  jsonPayloadEncoder,
  type TaskPayloadEncoder,
  TaskPayloadEncoderRegistry,
} from "./src/producer/payload_encoder.ts";
export { gzipPayloadEncoder } from "./src/producer/encoders/gzip_encoder.ts";
export {
  type AesGcmEncoderOptions,
  AesGcmPayloadEncoder,
  type EncryptionConfig,
} from "./src/producer/encoders/aes_gcm_encoder.ts";
export { PayloadDecodeError } from "./src/producer/encoders/payload_decode_error.ts";
export type { EnvelopeSigner } from "./src/security/envelope_signer.ts";
export { PayloadSigner } from "./src/security/payload_signer.ts";
export type {
  KeyMaterial,
  SigningAlgorithm,
  SigningConfig,
} from "./src/security/signing_config.ts";
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
export { tracingMiddleware, type TracingOptions } from "./src/observability/tracing.ts";
export {
  type BatchOptions,
  type BatchState,
  type BatchStatus,
  type BatchSubmission,
  Canvas,
  type CanvasOptions,
  type CanvasWaitOptions,
  type ChainRun,
  type ChordRun,
  type GroupRun,
} from "./src/canvas/canvas.ts";
export {
  type CanvasNode,
  chain,
  type ChainNode,
  chord,
  type ChordNode,
  group,
  type GroupNode,
  type ResultOf,
  type ResultsOf,
} from "./src/canvas/nodes.ts";
export { signature, type SignatureOptions, type TaskSignature } from "./src/core/task_signature.ts";
