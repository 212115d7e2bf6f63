/**
 * Rolling upgrade: records and jobs written by the release before schema versions (48fb771's shapes: no `v`) are read
 * and completed by this code, and a job of a newer release is left (delayed, not failed) for a newer worker. The
 * previous release's writes are copied here literally (its CREATE_OPERATION script, its payloads and JSON records).
 */
import { Queue } from 'bullmq';
import { createHash } from 'node:crypto';
import { newSortableId } from '@rpg/operations';
import { IdempotencyStore } from '@rpg/operations';
import { QUEUES, QueueName, bullConnection, queuePrefix } from '@rpg/queues';
import { targetKey } from '@rpg/routing-policy';
import { Harness, REDIS_URL, auth, finished, l7Target, postUpdates, sandboxControl, startHarness, waitFor } from '../support/harness';
import { scriptedReceiver, webhookFixtures } from '../support/webhooks';

jest.setTimeout(60_000);

/** The previous release's CREATE_OPERATION, verbatim (libs/operations/src/operation-scripts.ts at 48fb771). */
const PREVIOUS_CREATE_OPERATION = `
if redis.call('EXISTS', KEYS[1]) == 1 then return redis.error_reply('EXISTS') end
local count = tonumber(ARGV[6])
redis.call('HSET', KEYS[1], 'meta', ARGV[4], 'updates', ARGV[5], 'status', 'PENDING', 'createdAt', ARGV[3], 'updatedAt', ARGV[3],
  'completedAt', '', 'count', count, 'done', 0, 'ok', 0, 'seq', 1, 'createdMs', ARGV[2])
if ARGV[8] ~= '' then redis.call('HSET', KEYS[1], 'cbsecret', ARGV[8]) end
local heads = {}
for i = 0, count - 1 do
  redis.call('HSET', KEYS[1], 'r:' .. i .. ':s', 'PENDING')
  local lane = KEYS[4 + i]
  local len = redis.call('RPUSH', lane, ARGV[1] .. '#' .. i)
  heads[i + 1] = (len == 1) and 1 or 0
end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[7]))
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]), ARGV[1])
redis.call('ZADD', KEYS[3], tonumber(ARGV[2]), ARGV[1])
redis.call('ZADD', ARGV[9] .. 'PENDING', tonumber(ARGV[2]), ARGV[1])
return heads
`;

describe('rolling upgrade: data of the previous release', () => {
  let h: Harness;
  const queues = new Map<QueueName, Queue>();
  const { track, cleanUp } = webhookFixtures(() => h);
  const key = (...parts: string[]) => `{${h.prefix}}:${parts.join(':')}`;
  /** A queue as the previous release added to it (BullMQ, same prefix and connection settings). */
  const queue = (name: QueueName): Queue => {
    if (!queues.has(name)) queues.set(name, new Queue(name, { connection: bullConnection(REDIS_URL), prefix: queuePrefix(h.prefix) }));
    return queues.get(name)!;
  };

  /** An operation as the previous gateway accepted it: its record by the previous script, its job by the previous payload. */
  async function previousAccept(n: number, name: string, payload?: (id: string) => object): Promise<string> {
    const id = newSortableId('op_');
    const createdAt = new Date().toISOString();
    const updates = [{ target: l7Target(n), changes: { name } }];
    const meta = { id, createdAt, reference: 'rolling', dryRun: false, count: 1, apiKeyName: 'admin' };
    const heads = (await h.redis.eval(
      PREVIOUS_CREATE_OPERATION,
      4,
      key('op', id),
      key('ops', 'index'),
      key('ops', 'unconfirmed'),
      key('lane', targetKey(updates[0].target as never)),
      id,
      Date.parse(createdAt),
      createdAt,
      JSON.stringify(meta),
      JSON.stringify(updates),
      1,
      86_400,
      '',
      key('ops', 'status', ''),
    )) as number[];
    expect(heads).toEqual([1]);
    expect(await h.redis.hexists(key('op', id), 'v')).toBe(0);
    await queue(QUEUES.providerCalls).add('call', payload ? payload(id) : { operationId: id, index: 0 }, {
      jobId: `call-${id}-0`,
      attempts: 5,
      backoff: { type: 'exponential', delay: 5_000 },
    });
    await h.redis.zrem(key('ops', 'unconfirmed'), id);
    return id;
  }

  /** A subscription as the previous release stored it: a hash of `data` and `secrets`, no `v`. */
  async function previousSubscription(url: string, events: string[]): Promise<string> {
    const id = newSortableId('whs_');
    const data = { id, url, events, description: null, createdAt: new Date().toISOString(), status: 'ENABLED' };
    const secret = `whsec_${Buffer.from('rolling-upgrade-secret-0123456789').toString('base64')}`;
    await h.redis
      .multi()
      .hset(key('whsub', id), 'data', JSON.stringify(data), 'secrets', JSON.stringify({ current: secret }))
      .zadd(key('whsubs'), Date.now(), id)
      .exec();
    return id;
  }

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    for (const q of queues.values()) await q.close();
    await h.close();
  });
  beforeEach(() => sandboxControl(h, 'POST', '/__sandbox/reset'));
  afterEach(async () => {
    await cleanUp();
    for (const id of await h.redis.zrange(key('whsubs'), 0, -1)) await h.http.delete(`/v1/webhook-subscriptions/${id}`).set(auth());
  });

  it('an operation, its provider call and its subscription of the previous release: completed, its events delivered', async () => {
    const r = await track(scriptedReceiver());
    const subscriptionId = await previousSubscription(r.url, ['operation.completed']);
    expect((await h.http.get(`/v1/webhook-subscriptions/${subscriptionId}`).set(auth())).body).toMatchObject({ id: subscriptionId, status: 'ENABLED' });

    const id = await previousAccept(9, 'rolling-v1');
    const done = await finished(h, id);
    expect(done).toMatchObject({ id, status: 'SUCCEEDED', reference: 'rolling', results: [{ index: 0, status: 'SUCCEEDED' }] });
    expect(done.results[0].gcore.tasks.every((t: { state: string }) => t.state === 'FINISHED')).toBe(true);
    expect(await h.redis.hget(key('op', id), 'v')).toBeNull(); // a record keeps the version it was created with

    await waitFor(async () => r.forOperation(id).find((x) => x.event.type === 'operation.completed'), 10_000);
    const deliveries = await waitFor(async () => {
      const res = await h.http.get(`/v1/webhook-subscriptions/${subscriptionId}/deliveries`).set(auth());
      return res.body.length && res.body.every((d: { status: string }) => d.status === 'SUCCEEDED') ? res.body : undefined;
    }, 10_000);
    expect(deliveries[0]).toMatchObject({ eventType: 'operation.completed', status: 'SUCCEEDED', attempts: [{ attempt: 1, statusCode: 200 }] });
  });

  it('a webhook-events job and a delivery (record and job) of the previous release are delivered', async () => {
    const r = await track(scriptedReceiver());
    const subscriptionId = await previousSubscription(r.url, ['*']);
    const eventId = newSortableId('evt_');
    const event = { eventId, type: 'webhook.test', timestamp: new Date().toISOString(), data: { subscriptionId } };
    await queue(QUEUES.webhookEvents).add('webhook.test', { events: [event], onlySubscriptionIds: [subscriptionId] }, { jobId: eventId });
    await waitFor(async () => r.hits.find((x) => x.event.id === eventId), 10_000);

    // the delivery JSON as the previous release wrote it (no `v`), listed under its subscription, and its job
    const deliveryId = newSortableId('dlv_');
    const previousDelivery = {
      id: deliveryId,
      subscriptionId,
      operationId: null,
      url: r.url,
      eventId: `${eventId}-again`,
      eventType: 'webhook.test',
      body: JSON.stringify({ id: `${eventId}-again`, type: 'webhook.test', timestamp: event.timestamp, data: { subscriptionId } }),
      status: 'PENDING',
      createdAt: new Date().toISOString(),
      nextRetryAt: null,
      attempts: [],
    };
    await h.redis.set(key('dlv', deliveryId), JSON.stringify(previousDelivery), 'EX', 3600);
    await h.redis.lpush(key('whsub', subscriptionId, 'dlvs'), deliveryId);
    await queue(QUEUES.webhookDeliveries).add('deliver', { deliveryId }, { jobId: deliveryId, attempts: 8, backoff: { type: 'exponential', delay: 1000 } });

    await waitFor(async () => r.hits.find((x) => x.event.id === `${eventId}-again`), 10_000);
    const listed = await waitFor(async () => {
      const res = await h.http.get(`/v1/webhook-subscriptions/${subscriptionId}/deliveries`).set(auth());
      const mine = res.body.find((d: { id: string }) => d.id === deliveryId);
      return mine?.status === 'SUCCEEDED' ? mine : undefined;
    }, 10_000);
    expect(listed).toMatchObject({ id: deliveryId, eventId: `${eventId}-again`, attempts: [{ attempt: 1, statusCode: 200 }] });
    expect(listed.v).toBeUndefined(); // the API shows no schema version
    expect(JSON.parse((await h.redis.get(key('dlv', deliveryId)))!)).toMatchObject({ status: 'SUCCEEDED', v: 2 });
  });

  it('an Idempotency-Key claimed by the previous release replays its operation', async () => {
    const body = { updates: [{ target: l7Target(10), changes: { name: 'rolling-idem' } }] };
    const id = await previousAccept(10, 'rolling-idem');
    const idempotencyKey = `rolling-${Date.now()}`;
    const entry = JSON.stringify({ bodyHash: IdempotencyStore.bodyHash(body), operationId: id });
    await h.redis.set(key('idem', 'admin', createHash('sha256').update(idempotencyKey).digest('hex')), entry, 'EX', 3600);
    const replay = await postUpdates(h, body, { 'idempotency-key': idempotencyKey });
    expect(replay.status).toBe(202);
    expect(replay.body.id).toBe(id);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    await finished(h, id);
  });

  it('a job of a newer release is not failed: it waits (delayed, no attempt used) until a newer worker reads it', async () => {
    const id = await previousAccept(11, 'rolling-newer', (opId) => ({ v: 99, operationId: opId, index: 0, somethingNew: true }));
    const job = await waitFor(async () => {
      const found = await queue(QUEUES.providerCalls).getJob(`call-${id}-0`);
      return found && (await found.isDelayed()) ? found : undefined;
    }, 10_000);
    expect(job.attemptsMade).toBe(0);
    expect((await h.http.get(`/v1/operations/${id}`).set(auth())).body.status).toBe('PENDING');
    expect(h.logs.some((line) => line.includes('left to a newer worker'))).toBe(true);

    // what a newer worker would do: read it. Here: the payload becomes one this release knows, and the job runs at once
    await job.updateData({ v: 2, operationId: id, index: 0 });
    await job.promote();
    expect(await finished(h, id)).toMatchObject({ status: 'SUCCEEDED' });
  });
});
