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
    expect(JSON.parse((await redis.get(key('dlv', 'd1')))!)).toEqual({ ...delivery('d1', lane), v: 2 });
    expect(await redis.lrange(key('whsub', 'whs_1', 'dlvs'), 0, -1)).toEqual(['d2', 'd1']);
    expect((await deliveries.listForSubscription('whs_1')).map((d) => d.id)).toEqual(['d2', 'd1']);

    expect(await deliveries.releaseLane(delivery('d2', lane))).toBe('d1'); // not the head: nothing released
    expect(await deliveries.releaseLane(delivery('d1', lane))).toBe('d2');
    expect(await deliveries.releaseLane(delivery('d3'))).toBe(''); // no lane
    expect(await deliveries.create({ ...delivery('d4'), subscriptionId: null })).toEqual({ created: true, isHead: true });
    await deliveries.save({ ...delivery('d4'), status: 'SUCCEEDED' });
    expect((await deliveries.get('d4'))?.status).toBe('SUCCEEDED');
  });

  it('subscriptions: a hash with `data`, `secrets` and the schema version `v`, listed by creation', async () => {
    const { subscription, secret } = await subscriptions.create({ url: 'https://example.test/a', events: ['*'] });
    expect((await redis.hkeys(key('whsub', subscription.id))).sort()).toEqual(['data', 'secrets', 'v']);
    expect(await redis.hget(key('whsub', subscription.id), 'v')).toBe('2');
    expect(JSON.parse((await redis.hget(key('whsub', subscription.id), 'secrets'))!)).toEqual({ current: secret });
    expect(await redis.zrange(key('whsubs'), 0, -1)).toEqual([subscription.id]);
    expect(await subscriptions.get(subscription.id)).toEqual(subscription);
    await subscriptions.disable(subscription.id, 'gone');
    expect((await subscriptions.list())[0]).toMatchObject({ id: subscription.id, status: 'DISABLED', disabledReason: 'gone' });
    expect(await subscriptions.delete(subscription.id)).toBe(true);
  });

  describe('schema versions: the format before versions (no `v`) is read, a newer one is kept', () => {
    it('a delivery as the previous release wrote it is read and, once saved, written as version 2', async () => {
      const previous = { ...delivery('v1d') }; // the JSON before versions: no `v`
      await redis.set(key('dlv', 'v1d'), JSON.stringify(previous));
      expect(await deliveries.get('v1d')).toEqual({ ...previous, v: 2 });
      const read = (await deliveries.get('v1d'))!;
      read.status = 'SUCCEEDED';
      await deliveries.save(read);
      expect(JSON.parse((await redis.get(key('dlv', 'v1d')))!)).toEqual({ ...previous, status: 'SUCCEEDED', v: 2 });
    });

    it('a delivery of a newer release keeps its version and its unknown keys through a read-modify-write', async () => {
      await redis.set(key('dlv', 'v3d'), JSON.stringify({ ...delivery('v3d'), v: 3, priority: 'high' }));
      const read = (await deliveries.get('v3d'))!;
      expect(read.status).toBe('PENDING');
      await deliveries.save({ ...read, status: 'FAILED' });
      expect(JSON.parse((await redis.get(key('dlv', 'v3d')))!)).toEqual({ ...delivery('v3d'), status: 'FAILED', v: 3, priority: 'high' });
    });

    it('a subscription as the previous release wrote it (no `v` field) is read and listed', async () => {
      const previous = {
        id: 'whs_v1',
        url: 'https://example.test/v1',
        events: ['*'],
        description: null,
        createdAt: '2026-01-02T03:04:05.000Z',
        status: 'ENABLED',
      };
      await redis
        .multi()
        .hset(key('whsub', 'whs_v1'), 'data', JSON.stringify(previous), 'secrets', JSON.stringify({ current: 'whsec_x' }))
        .zadd(key('whsubs'), 1, 'whs_v1')
        .exec();
      expect(await subscriptions.get('whs_v1')).toEqual(previous);
      expect(await subscriptions.list()).toContainEqual(previous);
      expect(await subscriptions.secrets('whs_v1')).toEqual({ current: 'whsec_x' });
      await subscriptions.disable('whs_v1', 'gone');
      expect(await redis.hget(key('whsub', 'whs_v1'), 'secrets')).toBe(JSON.stringify({ current: 'whsec_x' }));
      await subscriptions.delete('whs_v1');
    });
  });
});
