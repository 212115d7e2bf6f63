import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { RedisKeys } from '@rpg/redis';
import { WebhookDelivery, WebhookDeliveryStore } from './webhook-delivery.store';
import { WebhookSubscriptionStore } from './webhook-subscription.store';

/** The webhook stores on real Redis: key and field names are the stored format, pinned here literally. */
describe('webhook stores (real Redis)', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `uw${randomBytes(4).toString('hex')}`;
  const redisKeys = new RedisKeys({ queuePrefix: prefix } as AppConfig);
  const deliveries = new WebhookDeliveryStore(redis, redisKeys);
  const subscriptions = new WebhookSubscriptionStore(redis, redisKeys);
  const key = (...parts: string[]) => `{${prefix}}:${parts.join(':')}`;
  const delivery = (id: string, lane?: string): WebhookDelivery => ({
    id,
    subscriptionId: 'whs_1',
    operationId: 'op_1',
    url: 'https://example.test/hook',
    eventId: `evt_${id}`,
    eventType: 'operation.completed',
    body: '{}',
    status: 'PENDING',
    createdAt: '2026-01-02T03:04:05.000Z',
    nextRetryAt: null,
    attempts: [],
    ...(lane ? { lane } : {}),
  });

  afterAll(async () => {
    const all = await redis.keys(`{${prefix}}*`);
    if (all.length) await redis.del(...all);
    redis.disconnect();
  });

  it('deliveries: created once, listed per subscription, one at a time per lane', async () => {
    const lane = deliveries.laneKey('whs_1', 'op_1');
    expect(lane).toBe(key('dlane', 'whs_1', 'op_1'));
    expect(await deliveries.create(delivery('d1', lane))).toEqual({ created: true, isHead: true });
    expect(await deliveries.create(delivery('d2', lane))).toEqual({ created: true, isHead: false });
    expect(await deliveries.create(delivery('d1', lane))).toEqual({ created: false, isHead: true });
    expect(JSON.parse((await redis.get(key('dlv', 'd1')))!)).toEqual(delivery('d1', lane));
    expect(await redis.lrange(key('whsub', 'whs_1', 'dlvs'), 0, -1)).toEqual(['d2', 'd1']);
    expect((await deliveries.listForSubscription('whs_1')).map((d) => d.id)).toEqual(['d2', 'd1']);

    expect(await deliveries.releaseLane(delivery('d2', lane))).toBe('d1'); // not the head: nothing released
    expect(await deliveries.releaseLane(delivery('d1', lane))).toBe('d2');
    expect(await deliveries.releaseLane(delivery('d3'))).toBe(''); // no lane
    expect(await deliveries.create({ ...delivery('d4'), subscriptionId: null })).toEqual({ created: true, isHead: true });
    await deliveries.save({ ...delivery('d4'), status: 'SUCCEEDED' });
    expect((await deliveries.get('d4'))?.status).toBe('SUCCEEDED');
  });

  it('subscriptions: a hash with `data` and `secrets`, listed by creation', async () => {
    const { subscription, secret } = await subscriptions.create({ url: 'https://example.test/a', events: ['*'] });
    expect((await redis.hkeys(key('whsub', subscription.id))).sort()).toEqual(['data', 'secrets']);
    expect(JSON.parse((await redis.hget(key('whsub', subscription.id), 'secrets'))!)).toEqual({ current: secret });
    expect(await redis.zrange(key('whsubs'), 0, -1)).toEqual([subscription.id]);
    expect(await subscriptions.get(subscription.id)).toEqual(subscription);
    await subscriptions.disable(subscription.id, 'gone');
    expect((await subscriptions.list())[0]).toMatchObject({ id: subscription.id, status: 'DISABLED', disabledReason: 'gone' });
    expect(await subscriptions.delete(subscription.id)).toBe(true);
  });
});
