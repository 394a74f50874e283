import {
  type Attributes,
  context,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from "@opentelemetry/api";
import type { Delivery } from "../broker/broker.ts";
import type { TaskMiddleware } from "../core/middleware.ts";
import type { TaskOutcome } from "../core/task_outcome.ts";
import { parseTraceHeaders, traceHeaders } from "./trace_context.ts";

/** How {@link tracingMiddleware} makes spans. */
export interface TracingOptions {
  /** The tracer. @default trace.getTracer("@stem/stem") from the global provider */
  tracer?: Tracer;
  /**
   * How a `process` span relates to the `send` span of the enqueue: `"link"` (the messaging
   * conventions' default: a new trace linked to the producer's) or `"parent"` (one trace from
   * the request that enqueued to the task's work). @default "link"
   */
  consumerContext?: "link" | "parent";
  /** Recorded as `stem.worker.id` on `process` spans. */
  workerId?: string;
}

const SYSTEM = "stem";

/**
 * OpenTelemetry tracing as task middleware, after the messaging semantic conventions: a
 * `send {queue}` PRODUCER span around every publish, whose context travels in the envelope's
 * `traceparent`/`tracestate` headers, and a `process {queue}` CONSUMER span around everything the
 * worker does with a delivery, linked to (or parented by) it. Failures, retries and rejections are
 * recorded on the span. Pass it to both the producer and the worker: `StemApp`'s `middleware`.
 *
 * @example
 * ```ts
 * import { StemApp, tracingMiddleware } from "@stem/stem";
 * const app = await StemApp.inMemory({ middleware: [tracingMiddleware()] });
 * await app.close();
 * ```
 */
export function tracingMiddleware(options: TracingOptions = {}): TaskMiddleware {
  const tracer = options.tracer ?? trace.getTracer("@stem/stem");
  const asParent = options.consumerContext === "parent";
  const spans = new WeakMap<Delivery, Span>();
  return {
    async onEnqueue(envelope, next) {
      const span = tracer.startSpan(`send ${envelope.queue}`, {
        kind: SpanKind.PRODUCER,
        attributes: {
          ...messagingAttributes(envelope.queue, envelope.id, "send", "send"),
          "stem.task.name": envelope.name,
          "stem.task.attempt": envelope.attempt,
        },
      }, context.active());
      try {
        const headers = { ...envelope.headers, ...traceHeaders(span.spanContext()) };
        return await next({ ...envelope, headers });
      } catch (error) {
        recordError(span, error);
        throw error;
      } finally {
        span.end();
      }
    },
    async onConsume(delivery, next) {
      const { envelope } = delivery;
      const remote = parseTraceHeaders(envelope.headers);
      // Never the ambient context: the worker's loop may have been started inside whatever
      // request first enqueued, and its spans must not join that trace.
      const base = remote && asParent ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT;
      const links: Link[] = remote && !asParent ? [{ context: remote }] : [];
      const attributes: Attributes = {
        ...messagingAttributes(delivery.queue, envelope.id, "process", "process"),
        "stem.task.name": envelope.name,
        "stem.task.attempt": envelope.attempt,
      };
      if (options.workerId) attributes["stem.worker.id"] = options.workerId;
      const span = tracer.startSpan(`process ${delivery.queue}`, {
        kind: SpanKind.CONSUMER,
        links,
        attributes,
      }, base);
      spans.set(delivery, span);
      try {
        await context.with(trace.setSpan(base, span), next);
      } catch (error) {
        recordError(span, error);
        throw error;
      } finally {
        spans.delete(delivery);
        span.end();
      }
    },
    onOutcome(outcome, next) {
      const span = spans.get(outcome.delivery);
      if (span) recordOutcome(span, outcome);
      return next();
    },
  };
}

function messagingAttributes(
  queue: string,
  id: string,
  operation: string,
  type: string,
): Attributes {
  return {
    "messaging.system": SYSTEM,
    "messaging.operation.name": operation,
    "messaging.operation.type": type,
    "messaging.destination.name": queue,
    "messaging.message.id": id,
  };
}

function recordOutcome(span: Span, outcome: TaskOutcome): void {
  span.setAttribute("stem.task.outcome", outcome.kind);
  switch (outcome.kind) {
    case "failed":
    case "rejected":
    case "expired":
      span.recordException({ name: outcome.error.type, message: outcome.error.message });
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.error.message });
      return;
    case "retried":
      span.addEvent("stem.task.retry", {
        "exception.type": outcome.error.type,
        "exception.message": outcome.error.message,
        "stem.task.retry_at": outcome.nextRetryAt,
      });
  }
}

function recordError(span: Span, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  span.recordException(error instanceof Error ? error : { message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
