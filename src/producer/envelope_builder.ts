import { stampUnique, uniqueModeOf } from "../unique/unique_meta.ts";
import {
  type Duration,
  type Instant,
  toEpochMillis,
  toMillis,
  toMillisOrUndefined,
} from "../core/duration.ts";
import type { Envelope, JsonValue, TaskTimeLimits } from "../core/envelope.ts";
import { uuidv7 } from "../core/ids.ts";
import { normalizeRetryPolicy } from "../core/retry_policy.ts";
import { validateWithSchema } from "../core/standard_schema.ts";
import type { AnyTaskHandler } from "../core/task_handler.ts";
import {
  type EnqueueRequest,
  mergeTaskOptions,
  type TaskEnqueueOptions,
  type TaskOptions,
} from "../core/task_options.ts";
import type { TaskPayloadEncoder, TaskPayloadEncoderRegistry } from "./payload_encoder.ts";
import type { RoutingConfig } from "../routing/routing_config.ts";
import { MetaKey } from "../core/meta_keys.ts";

/** Parent/root ids recorded on child tasks. */
export interface Lineage {
  /** The enqueuing task (absent for a canvas publish by a caller). */
  parentId?: string;
  /** The first task of the lineage. */
  rootId?: string;
  /**
   * A worker re-publishing a follow-up under a deterministic id: an existing status with that
   * id is expected (the parent ran before) and not an error.
   */
  republish?: boolean;
  /** Canvas fields set on the envelope (`src/canvas`): group membership and continuation. */
  canvas?: Pick<Envelope, "groupId" | "canvas">;
}

/** What {@link buildEnvelope} needs besides the request. */
export interface BuildContext {
  /** The registered handler, when known. */
  handler?: AnyTaskHandler;
  /** Encoders by id. */
  encoders: TaskPayloadEncoderRegistry;
  /** Current time, epoch ms. */
  now: number;
  /** Lineage for child tasks. */
  lineage?: Lineage;
  /** Queue when the request, handler and definition name none. @default "default" */
  defaultQueue?: string;
  /** Routes the envelope (queue, priority, broadcast) before its unique key is computed. */
  routing?: RoutingConfig;
}

function expiresAt(
  relative: Duration | undefined,
  absolute: Instant | undefined,
  now: number,
): number | null {
  if (absolute !== undefined) return toEpochMillis(absolute);
  return relative === undefined ? null : now + toMillis(relative);
}

function checkPriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < 0 || priority > 9) {
    throw new RangeError(`Invalid priority ${priority}: use an integer from 0 (lowest) to 9.`);
  }
  return priority;
}

function timeLimits(
  soft: Duration | undefined,
  hard: Duration | undefined,
): TaskTimeLimits | undefined {
  const limits: TaskTimeLimits = {};
  if (soft !== undefined) limits.soft = toMillis(soft);
  if (hard !== undefined) limits.hard = toMillis(hard);
  return limits.soft === undefined && limits.hard === undefined ? undefined : limits;
}

function argsEncoderId(
  chosen: string | undefined,
  publish: TaskEnqueueOptions,
): string | undefined {
  const compression = publish.compression;
  if (compression === undefined) return chosen;
  if (compression !== "gzip") {
    throw new RangeError(`Unknown compression "${compression}": use "gzip".`);
  }
  if (chosen !== undefined && chosen !== "json" && chosen !== "gzip") {
    throw new RangeError(
      `compression "gzip" cannot be combined with the "${chosen}" args encoder; pick one.`,
    );
  }
  return "gzip";
}

/** Builds a publishable envelope from an enqueue request: options merged, args validated and encoded. */
export function buildEnvelope(
  name: string,
  request: EnqueueRequest,
  context: BuildContext,
): Envelope | Promise<Envelope> {
  // Synchronous unless something is: a schema, an async encoder or a unique key (each is then
  // awaited in turn); a plain enqueue makes no promise here.
  const options = mergeTaskOptions(context.handler?.options, request.options);
  const args: unknown = request.args ?? {};
  const schema = context.handler?.metadata?.argsSchema;
  if (schema) {
    return validateWithSchema(schema, args, `arguments for task "${name}"`).then((valid) =>
      encodeThenBuild(name, request, context, options, valid)
    );
  }
  return encodeThenBuild(name, request, context, options, args);
}

function encodeThenBuild(
  name: string,
  request: EnqueueRequest,
  context: BuildContext,
  options: TaskOptions,
  args: unknown,
): Envelope | Promise<Envelope> {
  const publish = request.enqueueOptions ?? {};
  const encoderId = argsEncoderId(
    publish.encoder ?? context.handler?.metadata?.argsEncoder,
    publish,
  );
  const encoder = context.encoders.resolve(encoderId);
  const encoded = encoder.encode(args);
  if (encoded instanceof Promise) {
    return encoded.then((encodedArgs) =>
      assemble(name, request, context, options, args, encoder, encodedArgs)
    );
  }
  return assemble(name, request, context, options, args, encoder, encoded);
}

function assemble(
  name: string,
  request: EnqueueRequest,
  context: BuildContext,
  options: TaskOptions,
  args: unknown,
  encoder: TaskPayloadEncoder,
  encodedArgs: JsonValue,
): Envelope | Promise<Envelope> {
  const { now } = context;
  const publish = request.enqueueOptions ?? {};
  const retryPolicy = publish.retryPolicy ?? options.retryPolicy;
  const notBefore = publish.eta !== undefined
    ? toEpochMillis(publish.eta)
    : publish.countdown !== undefined
    ? now + toMillis(publish.countdown)
    : request.notBefore !== undefined
    ? toEpochMillis(request.notBefore)
    : null;
  const envelope: Envelope = {
    v: 1,
    id: publish.taskId ?? uuidv7(now),
    name,
    args: encodedArgs,
    headers: { ...request.headers },
    meta: { ...request.meta } as Record<string, JsonValue>,
    queue: publish.queue ?? options.queue ?? context.defaultQueue ?? "default",
    priority: checkPriority(publish.priority ?? options.priority ?? 0),
    attempt: 0,
    notBefore,
    expires: expiresAt(publish.expires, publish.expiresAt, now),
    enqueuedAt: now,
  };
  // Only options that were set travel: an absent one lets the worker's own handler decide.
  const maxRetries = retryPolicy?.maxRetries ?? options.maxRetries;
  if (maxRetries !== undefined) envelope.maxRetries = maxRetries;
  if (options.maxDeliveries !== undefined) envelope.maxDeliveries = options.maxDeliveries;
  if (options.acksLate !== undefined) envelope.acksLate = options.acksLate;
  if (retryPolicy) envelope.retryPolicy = normalizeRetryPolicy(retryPolicy);
  const limits = timeLimits(options.softTimeLimit, options.hardTimeLimit);
  if (limits) envelope.timeLimits = limits;
  const visibility = toMillisOrUndefined(options.visibilityTimeout);
  if (visibility !== undefined) envelope.visibilityTimeout = visibility;
  if (publish.link?.length) envelope.link = publish.link;
  if (publish.linkError?.length) envelope.linkError = publish.linkError;
  if (encoder.id !== "json") envelope.encoder = encoder.id;
  if (publish.ignoreResult) envelope.ignoreResult = true;
  const lineage = context.lineage;
  if (lineage?.parentId) {
    envelope.parentId = lineage.parentId;
    envelope.rootId = lineage.rootId ?? lineage.parentId;
  }
  if (context.routing) {
    const route = context.routing.resolve({
      task: name,
      headers: envelope.headers,
      explicitQueue: publish.queue,
      explicitPriority: publish.priority,
      fallbackQueue: envelope.queue,
      priority: envelope.priority,
    });
    envelope.queue = route.queue;
    envelope.priority = route.priority;
    if (route.broadcast !== undefined) envelope.meta[MetaKey.broadcast] = route.broadcast;
  }
  if (lineage?.canvas?.groupId) envelope.groupId = lineage.canvas.groupId;
  if (lineage?.canvas?.canvas) envelope.canvas = lineage.canvas.canvas;
  if (uniqueModeOf(options) === null) return envelope;
  const { headers = {}, meta = {} } = request;
  return stampUnique(envelope, options, { task: name, queue: envelope.queue, args, headers, meta })
    .then(() => envelope);
}
