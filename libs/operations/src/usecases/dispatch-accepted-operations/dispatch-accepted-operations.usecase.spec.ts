import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { JobProducer, QUEUES, jobIds, queuePrefix } from '@rpg/queues';
import { RedisKeys } from '@rpg/redis';
import { Update } from '@rpg/routing-policy';
import { contextOf, setTracingEnabled } from '@rpg/tracing';
import { OperationStore } from '../../operation.store';
import { OperationMeta } from '../../operation-record.codec';
import { DispatchAcceptedOperationsUseCase } from './dispatch-accepted-operations.usecase';

/** The hand-over from accept to the worker, on real Redis and BullMQ: what is dispatched, what waits its turn. */
describe('DispatchAcceptedOperationsUseCase (real Redis + BullMQ)', () => {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url);
  const blocking = new Redis(url);
  const prefix = `ud${randomBytes(4).toString('hex')}`;
  const keys = new RedisKeys({ queuePrefix: prefix } as AppConfig);
  const store = new OperationStore(redis, keys, { operationRetentionDays: 1 } as AppConfig);
  const bull = new Redis(url, { maxRetriesPerRequest: null });
  const calls = new Queue(QUEUES.providerCalls, { connection: bull, prefix: queuePrefix(prefix) });
  // the dispatcher only adds provider calls: that queue in every position of the producer's constructor
  const producer = new (JobProducer as unknown as new (...qs: Queue[]) => JobProducer)(...Array<Queue>(8).fill(calls));
  const dispatch = new DispatchAcceptedOperationsUseCase(store, producer);
  const update = (id: string): Update => ({ target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 2, id }, changes: { name: 'n' } });
  const meta = (id: string, count: number): OperationMeta => ({
    id,
    createdAt: new Date().toISOString(),
    reference: null,
    dryRun: false,
    count,
    apiKeyName: 'k',
  });
  const unconfirmed = () => redis.zrange(store.keys.unconfirmed, 0, -1);
  const callJobs = async () => (await calls.getJobs(['waiting', 'paused', 'prioritized'])).map((j) => j.id).sort();

  beforeAll(() => calls.pause());
  afterAll(async () => {
    await calls.obliterate({ force: true }).catch(() => undefined);
    await calls.close();
    const left = await redis.keys(`{${prefix}}*`);
    if (left.length) await redis.del(...left);
    for (const client of [redis, blocking, bull]) client.disconnect();
  });

  it('puts the startable lane heads of every handed-over operation into BullMQ, then confirms them', async () => {
    const a = 'op_01JD8X3Q4M5N6P7R8S9T0V1W2A';
    const b = 'op_01JD8X3Q4M5N6P7R8S9T0V1W2B';
    const c = 'op_01JD8X3Q4M5N6P7R8S9T0V1W2C';
    await store.create(meta(a, 2), [update('x'), update('y')]);
    // queued behind a#0 on x: only its head on z goes
    await store.create(meta(b, 2), [update('x'), update('z')]);
    // a rollout's first batch only: index 1 waits for its batch
    await store.create(meta(c, 2), [update('v'), update('w')], undefined, [0]);
    expect((await unconfirmed()).sort()).toEqual([a, b, c].sort());

    expect(await dispatch.execute(blocking, 1)).toBe(3);
    expect(await callJobs()).toEqual([jobIds.providerCall(a, 0), jobIds.providerCall(a, 1), jobIds.providerCall(b, 1), jobIds.providerCall(c, 0)].sort());
    expect(await unconfirmed()).toEqual([]);
    // nothing handed over: the round ends after its wait, having done nothing
    expect(await dispatch.execute(blocking, 1)).toBe(0);
  });

  it('hands nothing over when no target may start now, and leaves nothing for the recovery sweep', async () => {
    const d = 'op_01JD8X3Q4M5N6P7R8S9T0V1W2D';
    expect(await store.create(meta(d, 1), [update('x')])).toMatchObject({ heads: [] });
    expect(await redis.llen(store.keys.dispatch)).toBe(0);
    expect(await unconfirmed()).toEqual([]);
  });

  it('an entry taken by a worker that died before the jobs existed stays unconfirmed (the sweep starts it)', async () => {
    const e = 'op_01JD8X3Q4M5N6P7R8S9T0V1W2E';
    await store.create(meta(e, 1), [update('fresh')]);
    expect(await store.takeDispatched(blocking, 1, 10)).toEqual([{ id: e, heads: [0] }]);
    // the worker dies here: no jobs, no confirmation
    expect(await unconfirmed()).toEqual([e]);
    expect(await store.unconfirmedOlderThan(-1_000)).toEqual([e]);
  });

  it('with tracing on, each job carries the trace context its operation was accepted in (never shown by the API)', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    setTracingEnabled(true);
    try {
      const traces = ['0af7651916cd43dd8448eb211c80319c', '1af7651916cd43dd8448eb211c80319d'];
      const ops = ['op_01JD8X3Q4M5N6P7R8S9T0V1W2F', 'op_01JD8X3Q4M5N6P7R8S9T0V1W2G'];
      for (const [i, id] of ops.entries()) {
        await context.with(contextOf(`00-${traces[i]}-b7ad6b7169203331-01`), () => store.create(meta(id, 1), [update(`traced-${i}`)]));
      }
      const created = exporter.getFinishedSpans().filter((s) => s.name === 'operation.create');
      expect(created.map((s) => s.spanContext().traceId)).toEqual(traces);

      expect(await dispatch.execute(blocking, 1)).toBe(2);
      for (const [i, id] of ops.entries()) {
        const job = await calls.getJob(jobIds.providerCall(id, 0));
        const carried = JSON.parse(String(job?.opts.telemetry?.metadata)) as { traceparent: string };
        expect(carried.traceparent).toBe(`00-${traces[i]}-${created[i].spanContext().spanId}-01`);
        const stored = await store.get(id);
        expect(stored?.meta.traceparent).toBe(carried.traceparent);
        expect(JSON.stringify(stored?.operation)).not.toContain('traceparent');
      }
    } finally {
      setTracingEnabled(false);
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    }
  });
});
