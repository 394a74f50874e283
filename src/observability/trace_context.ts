import { createTraceState, type SpanContext, TraceFlags } from "@opentelemetry/api";

/**
 * Envelope headers that carry trace context (W3C Trace Context and Baggage): tracing writes new
 * values on every call, so unique-task keys leave them out.
 */
export const TRACE_HEADERS: ReadonlySet<string> = new Set(["traceparent", "tracestate", "baggage"]);

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/**
 * The `traceparent` (and `tracestate`) headers of a span context, version 00. Written here rather
 * than through the global propagator, so envelopes carry the context whether or not the
 * application registered one.
 */
export function traceHeaders(spanContext: SpanContext): Record<string, string> {
  const flags = (spanContext.traceFlags & TraceFlags.SAMPLED).toString(16).padStart(2, "0");
  const headers: Record<string, string> = {
    traceparent: `00-${spanContext.traceId}-${spanContext.spanId}-${flags}`,
  };
  const state = spanContext.traceState?.serialize();
  if (state) headers.tracestate = state;
  return headers;
}

/** The remote span context of `traceparent`/`tracestate` headers; null when absent or malformed. */
export function parseTraceHeaders(
  headers: Readonly<Record<string, string>>,
): SpanContext | null {
  const match = TRACEPARENT.exec(headers.traceparent ?? "");
  if (!match) return null;
  const [, traceId, spanId, flags] = match;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return null;
  return {
    traceId,
    spanId,
    traceFlags: parseInt(flags, 16) & TraceFlags.SAMPLED,
    isRemote: true,
    ...(headers.tracestate ? { traceState: createTraceState(headers.tracestate) } : {}),
  };
}
