import { SpanStatusCode, context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { createServer, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { contextOf, setTracingEnabled } from '@rpg/tracing';
import { CircuitBreaker } from './circuit-breaker';
import { ProviderHttpClient } from './provider-http.client';

/** With tracing on, one provider call (retries included) is one span: provider, operation, method, final status, attempts. */
describe('ProviderHttpClient spans', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  let server: Server;
  let client: ProviderHttpClient;
  let answers: number[] = [];

  beforeAll(async () => {
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    setTracingEnabled(true);
    server = createServer((req, res) => {
      req.resume();
      res.writeHead(answers.shift() ?? 200, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    client = new ProviderHttpClient({
      provider: 'Gcore',
      baseUrl: url,
      maxAttempts: 3,
      requestTimeoutMs: 2000,
      breaker: new CircuitBreaker('gcore', { failureThreshold: 100, openMs: 100 }),
      baseDelayMs: 1,
      maxDelayMs: 2,
    });
  });
  afterAll(async () => {
    setTracingEnabled(false);
    await client.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await provider.shutdown();
    trace.disable();
    propagation.disable();
    context.disable();
  });
  beforeEach(() => exporter.reset());

  it('names the provider and operation, and records the final status and the attempts, under the caller span', async () => {
    answers = [503, 200];
    const parent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await context.with(contextOf(parent), () => client.send({ method: 'PATCH', path: '/l7/1', body: { name: 'n' }, operation: 'l7policy.patch' }));
    expect(res.status).toBe(200);
    const [span] = exporter.getFinishedSpans();
    expect(span.name).toBe('Gcore l7policy.patch');
    expect(span.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(span.attributes).toMatchObject({
      'rpg.provider': 'gcore',
      'rpg.provider.operation': 'l7policy.patch',
      'http.request.method': 'PATCH',
      'http.response.status_code': 200,
      'rpg.provider.attempts': 2,
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('marks an error answer as the span error', async () => {
    answers = [404];
    expect((await client.send({ method: 'GET', path: '/l7/2', operation: 'l7policy.get' })).status).toBe(404);
    const [span] = exporter.getFinishedSpans();
    expect(span.attributes['http.response.status_code']).toBe(404);
    expect(span.status).toMatchObject({ code: SpanStatusCode.ERROR, message: 'HTTP 404' });
  });
});
