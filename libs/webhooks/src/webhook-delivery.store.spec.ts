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

  it('deliveries: created once in one step, listed per subscription, queued on their lane with its lease', async () => {
    const lane = deliveries.laneKey('whs_1', 'op_1');
    expect(lane).toBe(key('dlane', 'whs_1', 'op_1'));
    const cb = deliveries.laneKey('cb', 'op_1');
    const group = [delivery('d1', lane), delivery('d2', lane)];
    const callback = [{ ...delivery('c1', cb), subscriptionId: null }];
    expect(await deliveries.createAll([group, callback], '', 5000)).toEqual({ stale: false, created: ['d1', 'd2', 'c1'], starts: ['d1', 'c1'] });
    // again (a completion step that ran twice): nothing created, nothing begins
    expect(await deliveries.createAll([group, callback], '', 6000)).toEqual({ stale: false, created: [], starts: [] });
    expect(JSON.parse((await redis.get(key('dlv', 'd1')))!)).toEqual({ ...delivery('d1', lane), v: 2 });
    expect(await redis.lrange(key('whsub', 'whs_1', 'dlvs'), 0, -1)).toEqual(['d2', 'd1']);
    expect((await deliveries.listForSubscription('whs_1')).map((d) => d.id)).toEqual(['d2', 'd1']);
    expect(await redis.lrange(lane, 0, -1)).toEqual(['d1', 'd2']);
    expect(await redis.lrange(cb, 0, -1)).toEqual(['c1']);
    expect([await redis.zscore(key('dlanes'), lane), await redis.zscore(key('dlanes'), cb)]).toEqual(['5000', '5000']);
    // a later event of a lane that is not empty queues behind (its run goes on to it); no lease taken again
    expect(await deliveries.createAll([[delivery('d3', lane)]], '', 7000)).toEqual({ stale: false, created: ['d3'], starts: [] });
    expect(await redis.zscore(key('dlanes'), lane)).toBe('5000');
    // without a lane (a test event): each delivery begins a run of its own
    expect(await deliveries.createAll([[delivery('t1'), delivery('t2')]], '', 0)).toEqual({ stale: false, created: ['t1', 't2'], starts: ['t1', 't2'] });
  });

  it('deliveries: planned from a stale subscription list, refused and nothing written', async () => {
    const lane = deliveries.laneKey('whs_1', 'op_rev');
    const { subscription } = await subscriptions.create({ url: 'https://example.test/r', events: ['*'] });
    const { revision } = await subscriptions.snapshot();
    await subscriptions.disable(subscription.id, 'gone');
    expect(await deliveries.createAll([[delivery('r1', lane)]], revision, 1)).toEqual({ stale: true });
    expect(await redis.exists(key('dlv', 'r1'), lane)).toBe(0);
    const current = (await subscriptions.snapshot()).revision;
    expect(Number(current)).toBeGreaterThan(Number(revision));
    expect(await deliveries.createAll([[delivery('r1', lane)]], current, 1)).toEqual({ stale: false, created: ['r1'], starts: ['r1'] });
    await subscriptions.delete(subscription.id);
  });

  it('lanes: an ended delivery is stored and popped in one step; the last one takes the lease away', async () => {
    const lane = deliveries.laneKey('whs_1', 'op_2');
    await deliveries.createAll([[delivery('e1', lane), delivery('e2', lane), delivery('e3', lane)]], '', 9000);
    expect(await deliveries.finish({ ...delivery('e2', lane), status: 'SUCCEEDED' })).toBe('e1'); // not the head: nothing popped
    expect(await redis.lrange(lane, 0, -1)).toEqual(['e1', 'e2', 'e3']);
    // e1 stored before (its next was known), popped with e2
    await deliveries.save({ ...delivery('e1', lane), status: 'SUCCEEDED' });
    expect(await deliveries.finish({ ...delivery('e2', lane), status: 'SUCCEEDED' }, ['e1'])).toBe('e3');
    expect((await deliveries.get('e2'))?.status).toBe('SUCCEEDED');
    expect(await redis.lrange(lane, 0, -1)).toEqual(['e3']);
    expect(await deliveries.advance(lane, ['e3'])).toBe('');
    expect(await redis.exists(lane)).toBe(0);
    expect(await redis.zscore(key('dlanes'), lane)).toBeNull();
    expect(await deliveries.advance(undefined, ['e3'])).toBe(''); // no lane
    // without a lane: stored, nothing else
    await deliveries.createAll([[delivery('n1')]], '', 0);
    expect(await deliveries.finish({ ...delivery('n1'), status: 'FAILED' })).toBe('');
    expect((await deliveries.get('n1'))?.status).toBe('FAILED');
  });

  it('lanes: a retry moves the lease past it; a lease that ran out is taken over once', async () => {
    const lane = deliveries.laneKey('whs_1', 'op_3');
    await deliveries.createAll([[delivery('l1', lane), delivery('l2', lane)]], '', 1000);
    await deliveries.defer({ ...delivery('l1', lane), nextRetryAt: 'later' }, 50_000);
    expect((await deliveries.get('l1'))?.nextRetryAt).toBe('later');
    expect(await redis.zscore(key('dlanes'), lane)).toBe('50000');
    expect(await deliveries.dueLanes(40_000, 100)).not.toContain(lane);
    expect(await deliveries.claimLane(lane, 40_000, 90_000)).toBe(''); // not due
    expect(await deliveries.dueLanes(60_000, 100)).toContain(lane);
    expect(await deliveries.claimLane(lane, 60_000, 90_000)).toBe('l1');
    expect(await deliveries.claimLane(lane, 60_000, 90_000)).toBe(''); // claimed: no second runner
    expect(await redis.zscore(key('dlanes'), lane)).toBe('90000');
    await deliveries.extendLease(lane, 120_000);
    expect(await redis.zscore(key('dlanes'), lane)).toBe('120000');
    await deliveries.releaseLease(lane); // a stopping worker leaves it: due at once
    expect(await deliveries.dueLanes(1, 100)).toContain(lane);
    // a lane emptied meanwhile: the claim drops its lease
    await redis.del(lane);
    expect(await deliveries.claimLane(lane, 1, 2)).toBe('');
    expect(await redis.zscore(key('dlanes'), lane)).toBeNull();
    await deliveries.releaseLease(lane); // no lease: none made
    expect(await redis.zscore(key('dlanes'), lane)).toBeNull();
  });

  it('subscriptions: a hash with `data`, `secrets` and the schema version `v`, listed by creation', async () => {
    const { subscription, secret } = await subscriptions.create({ url: 'https://example.test/a', events: ['*'] });
    expect((await redis.hkeys(key('whsub', subscription.id))).sort()).toEqual(['data', 'secrets', 'v']);
    expect(await redis.hget(key('whsub', subscription.id), 'v')).toBe('2');
    expect(JSON.parse((await redis.hget(key('whsub', subscription.id), 'secrets'))!)).toEqual({ current: secret });
    expect(await redis.zrange(key('whsubs'), 0, -1)).toEqual([subscription.id]);
    expect(await subscriptions.get(subscription.id)).toEqual(subscription);
    expect(await subscriptions.enabledSecrets(subscription.id)).toEqual({ current: secret });
    // every change of where events go bumps the list's revision
    const revision = Number((await subscriptions.snapshot()).revision);
    await subscriptions.disable(subscription.id, 'gone');
    expect(await redis.get(key('whsubs', 'rev'))).toBe(String(revision + 1));
    expect(await subscriptions.enabledSecrets(subscription.id)).toBeNull();
    expect((await subscriptions.snapshot()).subscriptions).toContainEqual(
      expect.objectContaining({ id: subscription.id, status: 'DISABLED', disabledReason: 'gone' }),
    );
    expect(await subscriptions.delete(subscription.id)).toBe(true);
    expect(await redis.get(key('whsubs', 'rev'))).toBe(String(revision + 2));
    expect(await subscriptions.enabledSecrets(subscription.id)).toBeNull();
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
