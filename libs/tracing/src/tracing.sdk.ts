import type { Attributes, Context, Link, SpanKind } from '@opentelemetry/api';
import type { NodeSDK } from '@opentelemetry/sdk-node';
import type { Sampler, SamplingResult } from '@opentelemetry/sdk-trace-base';
import { isNoisyRootSpan, tracingRequested } from './tracing-config';
import { setTracingEnabled } from './tracing';

let sdk: NodeSDK | undefined;

/** Query parameters blanked in the HTTP server spans: the stream token, and the SDK's defaults (signed URLs). */
const REDACTED_QUERY_PARAMS = ['access_token', 'token', 'sig', 'Signature', 'AWSAccessKeyId', 'X-Goog-Signature'];

/** The user agent of webhook deliveries (DeliverWebhookUseCase). */
export const WEBHOOK_USER_AGENT_PREFIX = 'routing-policy-gateway-webhooks/';

/** Whether an undici request is a webhook delivery (its user agent; headers as undici 6+ hands them: [k, v, k, v, ...]). */
export function isWebhookRequest(request: { headers?: unknown }): boolean {
  const headers = request.headers;
  if (Array.isArray(headers)) {
    for (let i = 0; i < headers.length - 1; i += 2) {
      if (String(headers[i]).toLowerCase() === 'user-agent' && String(headers[i + 1]).startsWith(WEBHOOK_USER_AGENT_PREFIX)) return true;
    }
    return false;
  }
  return typeof headers === 'string' && headers.toLowerCase().includes(`user-agent: ${WEBHOOK_USER_AGENT_PREFIX}`);
}

/** Paths never traced on the way in: probes and scrapes (every few seconds, from outside any trace). */
const UNTRACED_PATHS = /^\/(health|metrics)(\/|\?|$)/;

/**
 * Starts OpenTelemetry for this process when the standard variables ask for it (see tracingRequested): the Node SDK
 * (exporter, protocol, endpoint, headers, batching and resource from OTEL_* as the SDK reads them), W3C trace context,
 * and the http, undici, ioredis and fastify instrumentations. Call it before fastify, ioredis, undici or http are
 * required (apps/<app>/src/tracing.ts is the first import of each main.ts). Returns whether tracing is on; when off
 * nothing is loaded or patched.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env): boolean {
  if (sdk) return true;
  if (!tracingRequested(env)) return false;
  // required here, not at the top: with tracing off none of this is loaded
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { NodeSDK } = require('@opentelemetry/sdk-node') as typeof import('@opentelemetry/sdk-node');
  const { resourceFromAttributes } = require('@opentelemetry/resources') as typeof import('@opentelemetry/resources');
  const { HttpInstrumentation } = require('@opentelemetry/instrumentation-http') as typeof import('@opentelemetry/instrumentation-http');
  const { UndiciInstrumentation } = require('@opentelemetry/instrumentation-undici') as typeof import('@opentelemetry/instrumentation-undici');
  const { IORedisInstrumentation } = require('@opentelemetry/instrumentation-ioredis') as typeof import('@opentelemetry/instrumentation-ioredis');
  const { FastifyOtelInstrumentation } = require('@fastify/otel') as typeof import('@fastify/otel');
  const base = require('@opentelemetry/sdk-trace-base') as typeof import('@opentelemetry/sdk-trace-base');
  /* eslint-enable @typescript-eslint/no-require-imports */

  // traces only: the services' metrics are on their Prometheus endpoints; OTLP metrics or logs only when asked for
  env.OTEL_METRICS_EXPORTER ??= 'none';
  env.OTEL_LOGS_EXPORTER ??= 'none';
  sdk = new NodeSDK({
    // OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES (read by the SDK's env detector) win over this default
    resource: resourceFromAttributes({ 'service.name': serviceName }),
    sampler: new base.ParentBasedSampler({ root: new QuietRootSampler(rootSamplerFromEnv(base, env)) }),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => UNTRACED_PATHS.test(req.url ?? ''),
        requireParentforOutgoingSpans: true,
        // the event streams take a stream token in the query: never exported
        redactedQueryParamsServer: REDACTED_QUERY_PARAMS,
      }),
      // webhook POSTs are left to DeliverWebhookUseCase (its span names the host only: a webhook URL's path or query
      // often carries a token; it sends `traceparent` itself)
      new UndiciInstrumentation({ requireParentforSpans: true, ignoreRequestHook: isWebhookRequest }),
      // the command name only: arguments carry operation bodies, callback secrets, webhook secrets
      new IORedisInstrumentation({ requireParentSpan: true, dbStatementSerializer: (command) => command }),
      // the request and its route handler; no span per hook (Nest registers several on every route: they cost more
      // than they tell)
      new FastifyOtelInstrumentation({
        registerOnInitialization: true,
        instrumentHooks: false,
        ignorePaths: (route) => UNTRACED_PATHS.test(route.url),
        // its request span records the URL with the query: the path only (stream tokens ride in the query)
        requestHook: (span, request) => span.setAttribute('url.path', request.url.split('?')[0]),
      }),
    ],
  });
  sdk.start();
  setTracingEnabled(true);
  return true;
}

/** Flushes the spans still buffered and stops the SDK (a no-op when tracing is off). Never throws. */
export async function shutdownTracing(): Promise<void> {
  const running = sdk;
  sdk = undefined;
  setTracingEnabled(false);
  if (!running) return;
  await running.shutdown().catch(() => undefined);
}

/** The sampler for new traces from OTEL_TRACES_SAMPLER(_ARG): always, never, or a trace id ratio (parent-based either way). */
function rootSamplerFromEnv(base: typeof import('@opentelemetry/sdk-trace-base'), env: NodeJS.ProcessEnv): Sampler {
  const name = (env.OTEL_TRACES_SAMPLER ?? '').trim().toLowerCase();
  if (name === 'always_off' || name === 'parentbased_always_off') return new base.AlwaysOffSampler();
  if (name === 'traceidratio' || name === 'parentbased_traceidratio') {
    const ratio = Number(env.OTEL_TRACES_SAMPLER_ARG ?? '1');
    return new base.TraceIdRatioBasedSampler(Number.isFinite(ratio) ? Math.min(1, Math.max(0, ratio)) : 1);
  }
  return new base.AlwaysOnSampler();
}

/** Drops BullMQ's housekeeping spans when they would start a trace of their own (see NOISY_ROOT_SPANS); else asks `next`. */
export class QuietRootSampler implements Sampler {
  constructor(private readonly next: Sampler) {}

  shouldSample(ctx: Context, traceId: string, spanName: string, spanKind: SpanKind, attributes: Attributes, links: Link[]): SamplingResult {
    if (isNoisyRootSpan(spanName)) return { decision: 0 /* SamplingDecision.NOT_RECORD */ };
    return this.next.shouldSample(ctx, traceId, spanName, spanKind, attributes, links);
  }

  toString(): string {
    return `QuietRootSampler{${this.next.toString()}}`;
  }
}
