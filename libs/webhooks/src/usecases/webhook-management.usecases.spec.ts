import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { OutboundUrlPolicy } from '@rpg/common';
import type { AppConfig } from '@rpg/config';
import { JobProducer, QUEUES, queuePrefix } from '@rpg/queues';
import { RedisKeys } from '@rpg/redis';
import { WebhookDelivery, WebhookDeliveryStore } from '../webhook-delivery.store';
import { WebhookSubscriptionStore } from '../webhook-subscription.store';
import { CreateWebhookSubscriptionUseCase } from './create-webhook-subscription/create-webhook-subscription.usecase';
import { DeleteWebhookSubscriptionUseCase } from './delete-webhook-subscription/delete-webhook-subscription.usecase';
import { FailWebhookDeliveryUseCase, INTERNAL_DELIVERY_ERROR } from './fail-webhook-delivery/fail-webhook-delivery.usecase';
import { GetWebhookSubscriptionUseCase } from './get-webhook-subscription/get-webhook-subscription.usecase';
import { ListWebhookDeliveriesUseCase } from './list-webhook-deliveries/list-webhook-deliveries.usecase';
import { ReplayWebhookDeliveryUseCase } from './replay-webhook-delivery/replay-webhook-delivery.usecase';
import { RotateWebhookSecretUseCase, SECRET_ROTATION_OVERLAP_MS } from './rotate-webhook-secret/rotate-webhook-secret.usecase';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `uc-webhooks-${process.pid}-${Date.now()}`;
const MISSING = 'whs_01JD8X3Q4M5N6P7R8S9T0V1W2X';

/** The subscription use cases over real Redis (and real BullMQ queues for the replay's job). */
describe('webhook management use cases', () => {
  const redis = new Redis(REDIS_URL);
  const config = { queuePrefix: PREFIX, webhooks: { allowPrivateNetworks: false } } as unknown as AppConfig;
  const keys = new RedisKeys(config);
  const subscriptions = new WebhookSubscriptionStore(redis, keys);
  const deliveries = new WebhookDeliveryStore(redis, keys);
  const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection: { url: REDIS_URL } as never, prefix: queuePrefix(PREFIX) }));
  const byName = (name: string) => queues.find((q) => q.name === name)!;
  const jobs = new JobProducer(
    ...([QUEUES.providerCalls, QUEUES.gcoreTasks, QUEUES.webhookEvents, QUEUES.webhookDeliveries, QUEUES.maintenance, QUEUES.rollouts].map(byName) as [
      Queue,
      Queue,
      Queue,
      Queue,
      Queue,
      Queue,
    ]),
  );
  const getSubscription = new GetWebhookSubscriptionUseCase(subscriptions);
  const create = new CreateWebhookSubscriptionUseCase(subscriptions, new OutboundUrlPolicy(config));
  const remove = new DeleteWebhookSubscriptionUseCase(subscriptions);
  const rotate = new RotateWebhookSecretUseCase(subscriptions, getSubscription);
  const listDeliveries = new ListWebhookDeliveriesUseCase(deliveries, getSubscription);
  const replay = new ReplayWebhookDeliveryUseCase(deliveries, getSubscription, jobs);
  const fail = new FailWebhookDeliveryUseCase(deliveries);

  afterAll(async () => {
    const stale = await redis.keys(`{${PREFIX}}:*`);
    if (stale.length) await redis.del(...stale);
    await Promise.all(queues.map((q) => q.close()));
    redis.disconnect();
  });

  const delivery = (subscriptionId: string | null, status: WebhookDelivery['status']): WebhookDelivery => ({
    id: `dlv_${Math.random().toString(36).slice(2)}`,
    subscriptionId,
    operationId: null,
    url: 'https://hooks.example/x',
    eventId: 'evt_1',
    eventType: 'webhook.test',
    body: '{}',
    status,
    createdAt: new Date().toISOString(),
    nextRetryAt: null,
    attempts: [{ attempt: 1, startedAt: new Date().toISOString(), durationMs: 5, statusCode: 500, error: null }],
  });
  const status = (promise: Promise<unknown>) =>
    promise.then(
      () => 'resolved',
      (e: { getStatus?: () => number }) => e.getStatus?.(),
    );

  it('create refuses a loopback URL (400) and stores an allowed one, its secret returned once', async () => {
    await expect(status(create.execute({ url: 'http://127.0.0.1:9/hook', events: ['*'] }))).resolves.toBe(400);
    const { subscription, secret } = await create.execute({ url: 'https://93.184.215.14/hook', events: ['*'] });
    expect(secret).toMatch(/^whsec_/);
    await expect(getSubscription.execute({ subscriptionId: subscription.id })).resolves.toEqual(subscription);
  });

  it('get, delete, rotate and list deliveries answer 404 for an unknown subscription', async () => {
    for (const run of [getSubscription, remove, rotate, listDeliveries]) {
      await expect(status(run.execute({ subscriptionId: MISSING }))).resolves.toBe(404);
    }
  });

  it('rotate gives a new secret and keeps the old one signing for the overlap', async () => {
    const { subscription, secret } = await create.execute({ url: 'https://93.184.215.14/hook', events: ['*'] });
    const before = Date.now();
    const rotated = await rotate.execute({ subscriptionId: subscription.id });
    expect(rotated.secret).not.toBe(secret);
    expect(Date.parse(rotated.previousSecretValidUntil)).toBeGreaterThanOrEqual(before + SECRET_ROTATION_OVERLAP_MS - 1000);
    await expect(subscriptions.secrets(subscription.id)).resolves.toMatchObject({ current: rotated.secret, previous: secret });
  });

  it('replay: 404 for a delivery of another subscription, 409 while pending or disabled, else a new run and its job', async () => {
    const { subscription } = await create.execute({ url: 'https://93.184.215.14/hook', events: ['*'] });
    const subscriptionId = subscription.id;
    const foreign = delivery('whs_other', 'FAILED');
    const pending = delivery(subscriptionId, 'PENDING');
    const ended = { ...delivery(subscriptionId, 'FAILED'), lane: keys.key('dlane', 'x', 'op_1') };
    for (const d of [foreign, pending, ended]) await deliveries.save(d);

    await expect(status(replay.execute({ subscriptionId, deliveryId: foreign.id }))).resolves.toBe(404);
    await expect(status(replay.execute({ subscriptionId, deliveryId: pending.id }))).resolves.toBe(409);

    const replayed = await replay.execute({ subscriptionId, deliveryId: ended.id });
    expect(replayed).toMatchObject({ status: 'PENDING', runStartedAtAttempt: 1 });
    expect(replayed.lane).toBeUndefined();
    await expect(deliveries.get(ended.id)).resolves.toMatchObject({ status: 'PENDING', runStartedAtAttempt: 1 });
    expect(await byName(QUEUES.webhookDeliveries).getJob(`${ended.id}-replay-1`)).toBeDefined();

    await subscriptions.disable(subscriptionId, 'test');
    await expect(status(replay.execute({ subscriptionId, deliveryId: ended.id }))).resolves.toBe(409);
  });

  it('fail ends a pending delivery FAILED with the internal-error attempt, once', async () => {
    const pending = delivery(null, 'PENDING');
    await deliveries.save(pending);
    const first = await fail.execute({ deliveryId: pending.id });
    expect(first.next).toBe('');
    expect(first.delivery).toMatchObject({ status: 'FAILED', nextRetryAt: null });
    expect(first.delivery!.attempts.at(-1)).toMatchObject({ attempt: 2, statusCode: null, error: INTERNAL_DELIVERY_ERROR });
    const again = await fail.execute({ deliveryId: pending.id });
    expect(again.delivery!.attempts).toHaveLength(2);
    await expect(fail.execute({ deliveryId: 'dlv_missing' })).resolves.toEqual({ next: '', delivery: null });
  });
});
