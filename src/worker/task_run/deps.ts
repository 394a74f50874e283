import type { ResultBackend } from "../../backend/result_backend.ts";
import type { Broker } from "../../broker/broker.ts";
import type { Clock } from "../../core/clock.ts";
import type { Envelope } from "../../core/envelope.ts";
import type { TaskOutcome } from "../../core/task_outcome.ts";
import type { TaskRegistry } from "../../core/task_registry.ts";
import type { Logger } from "../../observability/logger.ts";
import type { TaskPayloadEncoderRegistry } from "../../producer/payload_encoder.ts";
import type { Stem } from "../../producer/stem.ts";
import type { EnvelopeSigner } from "../../security/envelope_signer.ts";
import type { StemSignalSet } from "../../signals/stem_signals.ts";
import type { MiddlewareChain } from "../middleware.ts";
import type { RetryStrategy } from "../retry_strategy.ts";
import type { IsolatePool } from "../../isolate/isolate_pool.ts";

/**
 * Runs just before an outcome is recorded, for the envelopes it wants (the canvas: a chain's
 * next step, a group's follow-up), and then calls `record`.
 */
export interface OutcomeFollowUp {
  /** True when the envelope needs this hook (checked per task, so keep it cheap). */
  wants(envelope: Envelope): boolean;
  /** Publishes follow-ups, then records the outcome. */
  onOutcome(outcome: TaskOutcome, record: (outcome: TaskOutcome) => Promise<void>): Promise<void>;
}

/** Everything a run of one delivery needs from its worker. */
export interface RunnerDeps {
  /** Worker id, recorded on statuses and signals. */
  workerId: string;
  /** Where deliveries are settled. */
  broker: Broker;
  /** Where statuses are written, when configured. */
  backend: ResultBackend | undefined;
  /** The worker's handlers. */
  registry: TaskRegistry;
  /** Payload encoders by id. */
  encoders: TaskPayloadEncoderRegistry;
  /** Verifies envelopes, when configured. */
  signer: EnvelopeSigner | undefined;
  /** Retry delays for tasks without a retry policy. */
  retryStrategy: RetryStrategy;
  /** Time source. */
  clock: Clock;
  /** Local signals. */
  signals: StemSignalSet | undefined;
  /** Producer for children and links. */
  stem: Stem;
  /** Lifetime of statuses written, ms. */
  resultTtl: number | undefined;
  /** Random source for retry jitter. */
  random: () => number;
  /** Task middleware (onConsume, onExecute, onOutcome). @default none */
  middleware?: MiddlewareChain;
  /** Diagnostics. @default silentLogger */
  logger?: Logger;
  /** The canvas follow-ups, when the worker has a result backend. */
  followUp?: OutcomeFollowUp;
  /** Delays between attempts of a failing settle, ms; their count bounds the retries. */
  settleRetryDelays?: readonly number[];
  /** The reason a task id is revoked, or undefined (no revocations: the check is skipped). */
  revoked?: (taskId: string) => string | undefined;
  /** Where tasks marked `isolation: "worker"` run, when the worker has an isolate pool. */
  isolates?: IsolatePool;
}
