import { getQueueToken } from '@nestjs/bullmq';
import { INestApplicationContext } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Queue } from 'bullmq';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { IncomingHttpHeaders, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { CommonModule } from '@rpg/common';
import { AppConfigModule, loadAppConfig } from '@rpg/config';
import { GcoreTasksModule } from '@rpg/gcore-tasks';
import { ObservabilityModule } from '@rpg/observability';
import { OperationEventPublisher, OperationsModule, StoredOperation } from '@rpg/operations';
import { ProvidersModule } from '@rpg/providers';
import { QUEUES, QueuesModule } from '@rpg/queues';
import { REDIS, RedisClient, RedisModule } from '@rpg/redis';
import type { Operation } from '@rpg/routing-policy';
import { RunWebhookLaneUseCase } from './usecases/run-webhook-lane/run-webhook-lane.usecase';
import { WebhookDeliveryStore } from './webhook-delivery.store';
import { WebhookLaneRunner } from './webhook-lane.runner';
import { WebhookSubscriptionStore } from './webhook-subscription.store';
import { WebhooksModule } from './webhooks.module';
import { waitFor } from '../../../test/support/wait';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

interface Hit {
  path: string;
  headers: IncomingHttpHeaders;
  event: { id: string; type: string };
}

/**
 * Operation events from the publisher to the receiver, over the real module graph, Redis and BullMQ queues (no BullMQ
 * worker: a job's run is made by calling the run use case, as the processor does): fan-out in the completion step, the
 * lane sent in this process in event order, retries as delivery jobs, lanes taken over when their lease runs out.
 */
describe('webhook lanes: fan-out in the completion step, runs in the worker', () => {
  const prefix = `wl${randomBytes(4).toString('hex')}`;
  const redis = new Redis(REDIS_URL);
  const key = (...parts: string[]) => `{${prefix}}:${parts.join(':')}`;
  const hits: Hit[] = [];
  let answer: (hit: Hit) => number = () => 200;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const hit = { path: req.url ?? '', headers: req.headers, event: JSON.parse(body) as Hit['event'] };
      hits.push(hit);
      res.writeHead(answer(hit)).end();
    });
  });
  let url = '';
  let app: INestApplicationContext;
  let publisher: OperationEventPublisher;
  let subscriptions: WebhookSubscriptionStore;
  let deliveries: WebhookDeliveryStore;
  let runner: WebhookLaneRunner;
  const deliveryQueue = () => app.get<Queue>(getQueueToken(QUEUES.webhookDeliveries), { strict: false });

  const operation = (n: number): Operation =>
    ({ id: `op_${String(n).padStart(26, '0')}`, reference: null, status: 'SUCCEEDED', results: [{ index: 0, status: 'SUCCEEDED' }] }) as unknown as Operation;
  const eventsAt = (path: string, opId: string) => hits.filter((h) => h.path === path && h.event.id.includes(opId.slice(3))).map((h) => h.event.type);
  // an event-driven wait with the shared generous (TEST_TIME_SCALE) deadline
  const until = <T>(what: () => Promise<T | undefined> | T | undefined): Promise<T> => waitFor(what, undefined, 20);

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const config = loadAppConfig({
      NODE_ENV: 'test',
      REDIS_URL,
      QUEUE_PREFIX: prefix,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_RETRY_DELAYS_MS: '100,100',
    });
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppConfigModule.forRoot(config),
        ObservabilityModule,
        RedisModule,
        CommonModule,
        QueuesModule.forRoot({ producerOnly: false }),
        ProvidersModule,
        OperationsModule,
        GcoreTasksModule, // the inbound webhooks of the webhooks module need it
        WebhooksModule,
      ],
    }).compile();
    app = await moduleRef.init();
    const storage = app.get<RedisClient>(REDIS);
    if (storage.status !== 'ready') await new Promise((resolve) => storage.once('ready', resolve)); // it queues no command before
    publisher = app.get(OperationEventPublisher);
    subscriptions = app.get(WebhookSubscriptionStore);
    deliveries = app.get(WebhookDeliveryStore);
    runner = app.get(WebhookLaneRunner);
  });

  afterAll(async () => {
    await runner?.stop();
    await app?.close();
    server.close();
    const keys = await redis.keys(`{${prefix}}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('elsewhere than in a worker (the gateway), a lane that begins is a delivery job', async () => {
    const { subscription } = await subscriptions.create({ url: `${url}/gateway`, events: ['*'] });
    const op = operation(1);
    await publisher.targetCompleted(op, 0, true);
    const first = `dlv_${op.id.slice(3)}_t0_${subscription.id.slice(4)}`;
    expect((await deliveryQueue().getJob(first))?.data).toEqual({ v: 2, deliveryId: first });
    expect(await redis.lrange(key('dlane', subscription.id, op.id), 0, -1)).toEqual([first, `dlv_${op.id.slice(3)}_done_${subscription.id.slice(4)}`]);
    // the job's run (as the processor makes it) sends the lane in order, then the lane and its lease are gone
    expect(await app.get(RunWebhookLaneUseCase).execute({ start: first, leaseUntil: 0 })).toEqual({ kind: 'ended' });
    expect(eventsAt('/gateway', op.id)).toEqual(['operation.target.completed', 'operation.completed']);
    expect(await redis.exists(key('dlane', subscription.id, op.id))).toBe(0);
    expect(await redis.zscore(key('dlanes'), key('dlane', subscription.id, op.id))).toBeNull();
    await subscriptions.delete(subscription.id);
  });

  it('in the worker, a lane is sent at once in event order, each event once however often it is published', async () => {
    runner.runHere();
    const { subscription, secret } = await subscriptions.create({ url: `${url}/a`, events: ['*'] });
    const op = operation(2);
    await publisher.targetCompleted(op, 0, true);
    await publisher.targetCompleted(op, 0, true); // the completion step again (a crash before it ended)
    await until(() => eventsAt('/a', op.id).length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect(eventsAt('/a', op.id)).toEqual(['operation.target.completed', 'operation.completed']);
    const listed = await deliveries.listForSubscription(subscription.id);
    expect(listed.map((d) => [d.eventType, d.status, d.attempts.length])).toEqual([
      ['operation.completed', 'SUCCEEDED', 1],
      ['operation.target.completed', 'SUCCEEDED', 1],
    ]);
    expect(hits.find((h) => h.path === '/a')?.headers['webhook-signature']).toMatch(/^v1,/);
    expect(secret).toMatch(/^whsec_/);
    expect(await redis.zscore(key('dlanes'), key('dlane', subscription.id, op.id))).toBeNull();
    expect(await deliveryQueue().count()).toBe(1); // the gateway test's job only: none here
    await subscriptions.delete(subscription.id);
  });

  it("the operation's end repeats earlier target events: only the new ones are sent, in order", async () => {
    const { subscription } = await subscriptions.create({ url: `${url}/two`, events: ['*'] });
    const op = {
      ...operation(8),
      results: [
        { index: 0, status: 'SUCCEEDED' },
        { index: 1, status: 'SUCCEEDED' },
      ],
    } as unknown as Operation;
    await publisher.targetCompleted(op, 0, false);
    await until(() => eventsAt('/two', op.id).length === 1);
    await until(async () => !(await redis.exists(key('dlane', subscription.id, op.id))));
    await publisher.targetCompleted(op, 1, true); // [t1, t0 (sent before), done]
    await until(() => eventsAt('/two', op.id).length >= 3);
    await new Promise((r) => setTimeout(r, 200));
    expect(hits.filter((h) => h.path === '/two').map((h) => h.event.id.split('_').pop())).toEqual(['t0', 't1', 'done']);
    await subscriptions.delete(subscription.id);
  });

  it('a subscription created, disabled or deleted is honoured by the next event (the cached list is checked)', async () => {
    const { subscription: b } = await subscriptions.create({ url: `${url}/b`, events: ['operation.completed'] });
    const first = operation(3);
    await publisher.targetCompleted(first, 0, true);
    await until(() => eventsAt('/b', first.id).length === 1);
    const { subscription: c } = await subscriptions.create({ url: `${url}/c`, events: ['*'] });
    await subscriptions.disable(b.id, 'test');
    const second = operation(4);
    await publisher.targetCompleted(second, 0, true);
    await until(() => eventsAt('/c', second.id).length === 2);
    await subscriptions.delete(c.id);
    const third = operation(5);
    await publisher.targetCompleted(third, 0, true);
    await new Promise((r) => setTimeout(r, 300));
    expect(eventsAt('/b', second.id)).toEqual([]);
    expect(eventsAt('/c', third.id)).toEqual([]);
    expect(await redis.exists(key('dlv', `dlv_${third.id.slice(3)}_done_${c.id.slice(4)}`))).toBe(0);
  });

  it('a retry is a delivery job due then, the lane held (lease past it) until it runs; then the rest follows in order', async () => {
    const { subscription } = await subscriptions.create({ url: `${url}/r`, events: ['*'] });
    const op = operation(6);
    answer = (hit) => (hit.path === '/r' && hit.event.type === 'operation.target.completed' && eventsAt('/r', op.id).length === 1 ? 500 : 200);
    await publisher.targetCompleted(op, 0, true);
    const first = `dlv_${op.id.slice(3)}_t0_${subscription.id.slice(4)}`;
    const retry = await until(() => deliveryQueue().getJob(`${first}-retry-1`));
    expect(retry.data).toEqual({ v: 2, deliveryId: first });
    expect(retry.opts).toMatchObject({ delay: expect.any(Number), removeOnComplete: true });
    const lane = key('dlane', subscription.id, op.id);
    expect(Number(await redis.zscore(key('dlanes'), lane))).toBeGreaterThan(Date.now() + 20_000);
    expect(await deliveries.get(first)).toMatchObject({ status: 'PENDING', attempts: [{ statusCode: 500 }] });
    expect(eventsAt('/r', op.id)).toEqual(['operation.target.completed']);
    expect(await app.get(RunWebhookLaneUseCase).execute({ start: first, leaseUntil: 0 })).toEqual({ kind: 'ended' });
    expect(eventsAt('/r', op.id)).toEqual(['operation.target.completed', 'operation.target.completed', 'operation.completed']);
    expect(await redis.exists(lane)).toBe(0);
    answer = () => 200;
    await subscriptions.delete(subscription.id);
  });

  it('410 disables the subscription: the rest of its lane is not sent', async () => {
    const { subscription } = await subscriptions.create({ url: `${url}/gone`, events: ['*'] });
    answer = (hit) => (hit.path === '/gone' ? 410 : 200);
    const op = operation(7);
    await publisher.targetCompleted(op, 0, true);
    const done = `dlv_${op.id.slice(3)}_done_${subscription.id.slice(4)}`;
    expect(await until(async () => (await deliveries.get(done))?.attempts[0])).toMatchObject({ error: 'The subscription was deleted or disabled' });
    expect(eventsAt('/gone', op.id)).toEqual(['operation.target.completed']);
    expect(await subscriptions.get(subscription.id)).toMatchObject({ status: 'DISABLED' });
    answer = () => 200;
  });

  it('a lane whose lease ran out (its runner died) is taken over by a sweep', async () => {
    const { subscription } = await subscriptions.create({ url: `${url}/orphan`, events: ['*'] });
    const op = { id: 'op_orphan', lane: key('dlane', subscription.id, 'op_orphan') };
    const orphan = (event: string) => ({
      id: `dlv_orphan_${event}`,
      subscriptionId: subscription.id,
      operationId: op.id,
      url: `${url}/orphan`,
      eventId: `evt_orphan_${event}`,
      eventType: event,
      body: JSON.stringify({ id: `evt_orphan_${event}`, type: event, timestamp: new Date().toISOString(), data: {} }),
      status: 'PENDING' as const,
      createdAt: new Date().toISOString(),
      nextRetryAt: null,
      attempts: [],
      lane: op.lane,
    });
    // created by a worker that died before sending: the lease it took ran out
    await deliveries.createAll([[orphan('first'), orphan('second')]], '', Date.now() - 1);
    await until(() => hits.filter((h) => h.path === '/orphan').length === 2);
    expect(hits.filter((h) => h.path === '/orphan').map((h) => h.event.type)).toEqual(['first', 'second']);
    expect(await redis.zscore(key('dlanes'), op.lane)).toBeNull();
    await subscriptions.delete(subscription.id);
  }, 15_000);

  it("the operation as stored names its callbackUrl (nothing read again): the callback's deliveries get their own lane", async () => {
    const op = operation(9);
    const stored = { operation: op, meta: { callbackUrl: `${url}/cb` } } as unknown as StoredOperation;
    await publisher.targetCompleted(stored, 0, true);
    // no operation record in this test, so no callback secret: the deliveries end without being sent
    const done = `dlv_${op.id.slice(3)}_done_cb`;
    const ended = await until(async () => ((await deliveries.get(done))?.status === 'FAILED' ? deliveries.get(done) : undefined));
    expect(ended).toMatchObject({ url: `${url}/cb`, subscriptionId: null, lane: key('dlane', 'cb', op.id) });
    expect(hits.filter((h) => h.path === '/cb')).toEqual([]);
  });
});
