import { ROOT_CONTEXT, SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { AlwaysOnSampler, BasicTracerProvider, InMemorySpanExporter, SamplingDecision, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { isNoisyRootSpan, tracingRequested } from './tracing-config';
import { contextOf, currentTraceparent, jobTelemetryOf, logTraceFields, setTracingEnabled, traceHeaders, traceIdOf, tracingEnabled, withSpan } from './tracing';
import { QuietRootSampler, isWebhookRequest } from './tracing.sdk';

const TRACE = '0af7651916cd43dd8448eb211c80319c';
const PARENT = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE}-${PARENT}-01`;

describe('tracingRequested: the standard OTEL_* variables decide', () => {
  it.each([
    [{}, false],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, true],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, true],
    [{ OTEL_TRACES_EXPORTER: 'console' }, true],
    [{ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, false],
    [{ OTEL_SDK_DISABLED: 'false', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, true],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }, false],
  ] as [NodeJS.ProcessEnv, boolean][])('%j → %s', (env, on) => {
    expect(tracingRequested(env)).toBe(on);
  });
});

describe('QuietRootSampler', () => {
  const sampler = new QuietRootSampler(new AlwaysOnSampler());
  it('drops BullMQ housekeeping that would start a trace, keeps the rest', () => {
    expect(isNoisyRootSpan('getNextJob provider-calls')).toBe(true);
    expect(isNoisyRootSpan('moveStalledJobsToWait webhook-deliveries')).toBe(true);
    expect(isNoisyRootSpan('process provider-calls')).toBe(false);
    expect(sampler.shouldSample(ROOT_CONTEXT, TRACE, 'getNextJob provider-calls', 0, {}, []).decision).toBe(SamplingDecision.NOT_RECORD);
    expect(sampler.shouldSample(ROOT_CONTEXT, TRACE, 'POST /v1/routing-policy-updates', 1, {}, []).decision).toBe(SamplingDecision.RECORD_AND_SAMPLED);
  });
});

describe('isWebhookRequest: webhook POSTs are left to the delivery (their URLs may hold tokens)', () => {
  it('knows them by their user agent, in either header shape undici hands over', () => {
    expect(isWebhookRequest({ headers: ['content-type', 'application/json', 'user-agent', 'routing-policy-gateway-webhooks/1'] })).toBe(true);
    expect(isWebhookRequest({ headers: 'content-type: application/json\r\nuser-agent: routing-policy-gateway-webhooks/1\r\n' })).toBe(true);
    expect(isWebhookRequest({ headers: ['accept', 'application/json', 'authorization', 'APIKey x'] })).toBe(false);
    expect(isWebhookRequest({})).toBe(false);
  });
});

describe('tracing helpers', () => {
  it('with tracing off: no span, no traceparent, fn runs as it is', async () => {
    setTracingEnabled(false);
    expect(tracingEnabled()).toBe(false);
    expect(currentTraceparent()).toBeUndefined();
    expect(traceHeaders()).toEqual({});
    await expect(withSpan('x', { parent: TRACEPARENT }, async (span) => (span === undefined ? 'plain' : 'span'))).resolves.toBe('plain');
  });

  it('reads stored contexts strictly', () => {
    expect(traceIdOf(TRACEPARENT)).toBe(TRACE);
    expect(traceIdOf('garbage')).toBeUndefined();
    expect(contextOf('00-zz-yy-01')).toBe(ROOT_CONTEXT);
    expect(contextOf(undefined)).toBe(ROOT_CONTEXT);
    expect(jobTelemetryOf(TRACEPARENT)).toEqual({ metadata: JSON.stringify({ traceparent: TRACEPARENT }) });
    expect(jobTelemetryOf('nope')).toBeUndefined();
  });

  describe('with tracing on (an in-memory exporter)', () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const contextManager = new AsyncLocalStorageContextManager();

    beforeAll(() => {
      context.setGlobalContextManager(contextManager.enable());
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      trace.setGlobalTracerProvider(provider);
      setTracingEnabled(true);
    });
    afterAll(async () => {
      setTracingEnabled(false);
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    });
    beforeEach(() => exporter.reset());

    it('starts a span under a stored traceparent; inside it the current traceparent and the log fields name that span', async () => {
      let inside: { traceparent?: string; log: ReturnType<typeof logTraceFields> } | undefined;
      await withSpan('gcore.task.poll', { parent: TRACEPARENT, attributes: { 'rpg.gcore.task.id': 't1' } }, async () => {
        await new Promise((r) => setTimeout(r, 1)); // across an await
        inside = { traceparent: currentTraceparent(), log: logTraceFields() };
        expect(traceHeaders().traceparent).toBe(currentTraceparent());
      });
      const [span] = exporter.getFinishedSpans();
      expect(span.name).toBe('gcore.task.poll');
      expect(span.spanContext().traceId).toBe(TRACE);
      expect(span.parentSpanContext?.spanId).toBe(PARENT);
      expect(span.attributes['rpg.gcore.task.id']).toBe('t1');
      expect(inside?.traceparent).toBe(`00-${TRACE}-${span.spanContext().spanId}-01`);
      expect(inside?.log).toEqual({ trace_id: TRACE, span_id: span.spanContext().spanId });
      expect(logTraceFields()).toEqual({}); // outside every span
    });

    it('nests under the active span when no parent is given, starts a new trace for a missing stored one, records a throw', async () => {
      await withSpan('outer', {}, () => withSpan('inner', {}, async () => undefined));
      const [inner, outer] = exporter.getFinishedSpans();
      expect(inner.parentSpanContext?.spanId).toBe(outer.spanContext().spanId);
      exporter.reset();

      await expect(
        withSpan('outer', {}, () =>
          withSpan('fresh', { parent: null }, async () => {
            throw new Error('boom');
          }),
        ),
      ).rejects.toThrow('boom');
      const [fresh, outer2] = exporter.getFinishedSpans();
      expect(fresh.parentSpanContext).toBeUndefined();
      expect(fresh.spanContext().traceId).not.toBe(outer2.spanContext().traceId);
      expect(fresh.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'boom' });
    });
  });
});
