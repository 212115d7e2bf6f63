import { Attributes, Context, ROOT_CONTEXT, Span, SpanKind, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';

/**
 * Tracing helpers for the code paths that cross process or time boundaries other than HTTP and BullMQ jobs (the
 * accept → dispatch hand-over, task poll loops, webhook deliveries): a span context stored as a W3C `traceparent`
 * string with the record, and spans started under it later. Every helper is a no-op (no allocation beyond a flag
 * check) unless startTracing turned tracing on at process start.
 */
let enabled = false;

/** Set by startTracing (tracing.sdk.ts); tests may flip it around an in-memory provider. */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

export function tracingEnabled(): boolean {
  return enabled;
}

export const TRACER_NAME = 'routing-policy-gateway';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** The active span's context as a `traceparent` header value, or undefined (tracing off, or no span). */
export function currentTraceparent(ctx: Context = context.active()): string | undefined {
  if (!enabled) return undefined;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier.traceparent && TRACEPARENT.test(carrier.traceparent) ? carrier.traceparent : undefined;
}

/** The W3C trace context headers (`traceparent`, `tracestate`) of the active span for an outgoing request; empty when tracing is off. */
export function traceHeaders(ctx: Context = context.active()): Record<string, string> {
  if (!enabled) return {};
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  return carrier;
}

/** A context whose parent is the span `traceparent` names (a remote parent), or the root context when it is absent or malformed. */
export function contextOf(traceparent: string | undefined | null): Context {
  if (!traceparent || !TRACEPARENT.test(traceparent)) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** The trace id of a `traceparent` value (undefined when it is not one). */
export function traceIdOf(traceparent: string | undefined | null): string | undefined {
  return traceparent ? TRACEPARENT.exec(traceparent)?.[1] : undefined;
}

/** BullMQ's job telemetry metadata (what bullmq-otel writes and reads) for a stored `traceparent`. */
export function jobTelemetryOf(traceparent: string | undefined | null): { metadata: string } | undefined {
  return traceparent && TRACEPARENT.test(traceparent) ? { metadata: JSON.stringify({ traceparent }) } : undefined;
}

export interface SpanOptions {
  attributes?: Attributes;
  kind?: SpanKind;
  /** The parent: a stored `traceparent` (the active context when undefined; a new trace when null or malformed). */
  parent?: string | null;
}

/**
 * Runs `fn` in a span named `name` (ended when `fn` settles; a throw is recorded as the span's error). With tracing
 * off it is just `fn()`.
 */
export function withSpan<T>(name: string, options: SpanOptions, fn: (span?: Span) => Promise<T>): Promise<T> {
  if (!enabled) return fn();
  const parent = options.parent === undefined ? context.active() : contextOf(options.parent);
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (error) {
      span.recordException(error instanceof Error ? error : String(error));
      span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The ids of the active span for a log line (`trace_id`, `span_id`), or an empty object. */
export function logTraceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (!span) return {};
  const { traceId, spanId } = span.spanContext();
  return traceId && traceId !== '00000000000000000000000000000000' ? { trace_id: traceId, span_id: spanId } : {};
}
