/**
 * OpenTelemetry end to end, on real processes (tracing starts at process start, so the built apps run as children with
 * the OTEL_* variables set): one update across Gcore and Apinizer, sent with a caller's `traceparent`, is one trace
 * whose spans cover the gateway's route and Redis script, the worker's job, every provider call, the Gcore task polls
 * and the webhook delivery; the provider sandbox and the webhook receiver were sent that trace's id in `traceparent`;
 * the log lines written under it carry its trace_id. Spans arrive at a local OTLP/HTTP (JSON) receiver.
 */
import { randomBytes } from 'node:crypto';
import { OtlpReceiver, ReceivedSpan, startOtlpReceiver } from '../support/otlp-receiver';
import { Receiver, startReceiver } from '../support/receiver';
import { apinizerTarget, l7Target } from '../support/targets';
import { until } from '../support/wait';
import { api, waitForTerminal } from '../faults/support/api';
import { Gateway, Sandbox, appEnv, startGateway, startSandbox, startWorker } from '../faults/support/apps';
import { Proc, stopAll } from '../faults/support/processes';
import { deletePrefix } from '../faults/support/redis';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface SandboxLogEntry {
  method: string;
  path: string;
  status: number;
  traceparent?: string;
}

const traceIdOf = (traceparent: unknown) =>
  typeof traceparent === 'string' ? /^00-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/.exec(traceparent)?.[1] : undefined;

describe('tracing: one update is one trace across gateway, worker, providers and webhooks', () => {
  const prefix = `ftr${Date.now().toString(36)}`;
  let otlp: OtlpReceiver;
  let receiver: Receiver;
  let sandbox: Sandbox;
  let gateway: Gateway;
  let worker: Proc;

  beforeAll(async () => {
    [otlp, receiver, sandbox] = await Promise.all([
      startOtlpReceiver(),
      startReceiver(),
      startSandbox({ SANDBOX_TASK_DURATION_MS: '400', SANDBOX_APINIZER_LIST_MODE: 'status' }),
    ]);
    const env = appEnv({
      redisUrl: REDIS_URL,
      sandboxUrl: sandbox.url,
      prefix,
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
    [gateway, worker] = await Promise.all([startGateway(env), startWorker(env)]);
  }, 60_000);

  afterAll(async () => {
    await receiver?.close();
    await otlp?.close();
    await stopAll();
    await deletePrefix(REDIS_URL, prefix);
  });

  it('follows the caller traceparent through the accept, the job, both providers, the task polls and the delivery', async () => {
    const sub = await api(gateway.url, 'POST', '/v1/webhook-subscriptions', { url: receiver.url, events: ['operation.completed'] });
    expect(sub.status).toBe(201);
    await sandbox.control('DELETE', '/__sandbox/requests');

    const traceId = randomBytes(16).toString('hex');
    const callerSpanId = randomBytes(8).toString('hex');
    const updates = [
      { target: l7Target(1), changes: { name: `traced-${Date.now()}` } },
      { target: apinizerTarget('rate-limit'), changes: { policy: { messageCountForInterval: 432 } } },
    ];
    const res = await api(gateway.url, 'POST', '/v1/routing-policy-updates', { updates }, { traceparent: `00-${traceId}-${callerSpanId}-01` });
    expect(res.status).toBe(202);
    const id: string = res.body.id;
    const op = (await waitForTerminal(gateway.url, [id], 30_000)).get(id)!;
    expect({ status: op.status, errors: op.results.map((r: any) => r.error ?? null) }).toEqual({ status: 'SUCCEEDED', errors: [null, null] });

    // the webhook consumer saw the trace in `traceparent`
    const hook = await until(
      'operation.completed delivered',
      () => receiver.received.find((h) => h.json?.type === 'operation.completed' && h.json?.data?.id === id),
      20_000,
    );
    expect(traceIdOf(hook.headers.traceparent)).toBe(traceId);

    // so did the provider sandbox, on every call of this operation: Gcore's PATCH and task polls, Apinizer's calls
    const { log } = await sandbox.control<{ log: SandboxLogEntry[] }>('GET', '/__sandbox/requests');
    const gcoreWrite = log.filter((e) => e.method === 'PATCH' && e.path.endsWith(l7Target(1).id));
    const taskReads = log.filter((e) => e.method === 'GET' && /\/tasks\//.test(e.path));
    const apinizerCalls = log.filter((e) => e.path.includes('/apiops/'));
    expect(gcoreWrite).toHaveLength(1);
    expect(taskReads.length).toBeGreaterThan(0);
    expect(apinizerCalls.length).toBeGreaterThan(0);
    for (const entry of [...gcoreWrite, ...apinizerCalls]) expect({ ...entry, traceId: traceIdOf(entry.traceparent) }).toMatchObject({ traceId });
    expect(taskReads.some((e) => traceIdOf(e.traceparent) === traceId)).toBe(true);

    // one trace: every span of it descends from the caller's span; it covers each step
    const spans = await until(
      'the spans of the whole update exported',
      () => {
        const mine = otlp.spans.filter((s) => s.traceId === traceId);
        const has = (test: (s: ReceivedSpan) => boolean) => mine.some(test);
        const complete =
          has((s) => s.name === 'webhook.delivery' && s.attributes['http.response.status_code'] === 200) &&
          has((s) => s.name === 'gcore.task.poll') &&
          has((s) => s.service === 'rpg-gateway' && s.kind === 2 /* SERVER */);
        return complete ? mine : undefined;
      },
      20_000,
    );
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const span of spans) {
      // walk up to the caller's span: no span of this trace hangs loose
      let at: ReceivedSpan | undefined = span;
      const seen = new Set<string>();
      while (at && at.parentSpanId !== callerSpanId) {
        seen.add(at.spanId);
        expect(at.parentSpanId).toBeDefined();
        at = byId.get(at.parentSpanId!);
        if (at && seen.has(at.spanId)) throw new Error('span cycle');
      }
      expect(at).toBeDefined();
    }
    const names = (service: string) => spans.filter((s) => s.service === service).map((s) => s.name);
    const gatewaySpans = names('rpg-gateway');
    expect(gatewaySpans).toEqual(expect.arrayContaining(['operation.create']));
    expect(gatewaySpans.some((n) => /routing-policy-updates/.test(n))).toBe(true); // the route (http/fastify)
    expect(spans.some((s) => s.service === 'rpg-gateway' && /evalsha|eval/i.test(s.name))).toBe(true); // the Redis script
    const workerSpans = names('rpg-worker');
    expect(workerSpans).toEqual(expect.arrayContaining(['process provider-calls', 'gcore.task.poll', 'webhook.delivery']));
    const providerCalls = spans.filter((s) => s.attributes['rpg.provider'] !== undefined);
    expect(new Set(providerCalls.map((s) => s.attributes['rpg.provider']))).toEqual(new Set(['gcore', 'apinizer']));
    for (const call of providerCalls) {
      expect(call.attributes['rpg.provider.operation']).toEqual(expect.any(String));
      expect(call.attributes['http.response.status_code']).toEqual(expect.any(Number));
    }
    const patch = providerCalls.find((s) => s.attributes['rpg.provider'] === 'gcore' && s.attributes['http.request.method'] === 'PATCH');
    expect(patch?.attributes['http.response.status_code']).toBe(200);

    // the consumer was sent the delivery attempt's own span
    const delivery = spans.find((s) => s.name === 'webhook.delivery' && s.attributes['rpg.webhook.event.type'] === 'operation.completed');
    expect(String(hook.headers.traceparent).split('-')[2]).toBe(delivery?.spanId);
    // nothing secret or private is exported: no Redis arguments, no webhook secret, no webhook URL path
    const exported = JSON.stringify(otlp.spans);
    expect(exported).not.toContain(sub.body.secret);
    expect(exported).not.toContain('/hook');
    for (const span of otlp.spans) {
      for (const key of ['db.statement', 'db.query.text']) {
        if (span.attributes[key] !== undefined) expect(String(span.attributes[key])).toMatch(/^[a-z]+$/i);
      }
    }

    // the log lines written under the trace carry its id
    const traced = (proc: Proc) => proc.json().filter((l) => l.trace_id === traceId);
    expect(traced(worker).some((l) => /webhook attempt/.test(String(l.msg)))).toBe(true);
  }, 60_000);

  it('an update queued behind another of the same target runs in its own trace, not in the one that ended before it', async () => {
    await sandbox.control('DELETE', '/__sandbox/requests');
    const [first, second] = [randomBytes(16).toString('hex'), randomBytes(16).toString('hex')];
    const send = (traceId: string, name: string) =>
      api(
        gateway.url,
        'POST',
        '/v1/routing-policy-updates',
        { updates: [{ target: l7Target(2), changes: { name } }] },
        { traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01` },
      );
    const a = await send(first, `first-${Date.now()}`);
    const b = await send(second, `second-${Date.now()}`);
    expect([a.status, b.status]).toEqual([202, 202]);
    // the second waits in the target's lane: its call is added when the first ends, inside the first's trace
    const queued = await api(gateway.url, 'GET', `/v1/operations/${b.body.id}`);
    expect(queued.body.results[0].queuedBehind).toBe(`${a.body.id}#0`);
    const ended = await waitForTerminal(gateway.url, [a.body.id, b.body.id], 30_000);
    expect([ended.get(a.body.id)!.status, ended.get(b.body.id)!.status]).toEqual(['SUCCEEDED', 'SUCCEEDED']);

    const { log } = await sandbox.control<{ log: SandboxLogEntry[] }>('GET', '/__sandbox/requests');
    const writes = log.filter((e) => e.method === 'PATCH' && e.path.endsWith(l7Target(2).id));
    expect(writes.map((e) => traceIdOf(e.traceparent))).toEqual([first, second]);
  }, 60_000);
});
