import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { RedisKeys } from '@rpg/redis';
import { Update } from '@rpg/routing-policy';
import { OperationStore } from './operation.store';
import { OperationMeta, decodeOperation } from './operation-record.codec';

/**
 * The operation record as the scripts write it and the codec reads it, on real Redis. The key and field names are the
 * stored format (a running older version reads and writes the same data): they are pinned here literally.
 */
describe('operation record (scripts + codec, real Redis)', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `uo${randomBytes(4).toString('hex')}`;
  const store = new OperationStore(redis, new RedisKeys({ queuePrefix: prefix } as AppConfig), { operationRetentionDays: 1 } as AppConfig);
  const key = (...parts: string[]) => `{${prefix}}:${parts.join(':')}`;
  const id = 'op_01JD8X3Q4M5N6P7R8S9T0V1W2X';
  const second = 'op_01JD8X3Q4M5N6P7R8S9T0V1W2Y';
  const gcoreUpdate: Update = { target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 2, id: 'L7' }, changes: { name: 'n' } };
  const otherUpdate: Update = { target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 2, id: 'other' }, changes: { name: 'm' } };
  const meta = (opId: string): OperationMeta => ({
    id: opId,
    createdAt: '2026-01-02T03:04:05.000Z',
    reference: 'ref',
    dryRun: false,
    count: 2,
    apiKeyName: 'k',
  });

  afterAll(async () => {
    const keys = await redis.keys(`{${prefix}}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  });

  it('create: the hash fields, the lane entries `<opId>#<index>` and the indexes, under the names of today', async () => {
    expect(await store.create(meta(id), [gcoreUpdate, otherUpdate], 'secret')).toEqual({ heads: [0, 1], queuedBehind: new Map() });
    // queued behind the first on the same target
    expect(await store.create(meta(second), [gcoreUpdate], '')).toEqual({ heads: [], queuedBehind: new Map([[0, `${id}#0`]]) });

    const hash = await redis.hgetall(key('op', id));
    expect(hash).toMatchObject({
      status: 'PENDING',
      createdAt: meta(id).createdAt,
      updatedAt: meta(id).createdAt,
      completedAt: '',
      count: '2',
      done: '0',
      ok: '0',
      seq: '1',
      cbsecret: 'secret',
      'r:0:s': 'PENDING',
      'r:1:s': 'PENDING',
      v: '2',
    });
    expect(hash.createdMs).toBe(String(Date.parse(meta(id).createdAt)));
    expect(JSON.parse(hash.meta)).toEqual(meta(id));
    expect(await redis.lrange(key('lane', 'gcore:l7policy:1:2:l7'), 0, -1)).toEqual([`${id}#0`, `${second}#0`]);
    expect(await redis.zscore(key('ops', 'index'), id)).not.toBeNull();
    expect(await redis.zscore(key('ops', 'unconfirmed'), id)).not.toBeNull();
    expect(await redis.zscore(key('ops', 'status', 'PENDING'), id)).not.toBeNull();
    expect(await store.laneHead(gcoreUpdate)).toBe(`${id}#0`);
  });

  it('transition and task state: written by the scripts, read back by the codec', async () => {
    const running = await store.transition(id, 0, ['PENDING'], 'RUNNING', { gcore: { taskIds: ['t1', 't2'] } });
    expect(running).toEqual({ changed: 1, resultStatus: 'RUNNING', operationStatus: 'RUNNING', operationTerminalNow: false, nextLaneHead: '' });
    expect(await store.transition(id, 0, ['PENDING'], 'RUNNING', undefined)).toMatchObject({ changed: 0, resultStatus: 'RUNNING' });

    expect(await store.setTaskState(id, 0, { id: 't2', state: 'RUNNING', error: null })).toEqual([undefined, { id: 't2', state: 'RUNNING', error: null }]);
    const hash = await redis.hgetall(key('op', id));
    expect(JSON.parse(hash['r:0:t:t2'])).toEqual({ id: 't2', state: 'RUNNING', error: null });
    expect(JSON.parse(hash['r:0:d'])).toEqual({ gcore: { taskIds: ['t1', 't2'] } });

    const stored = decodeOperation(hash)!;
    expect(stored.callbackSecret).toBe('secret');
    expect(stored.seq).toBe(Number(hash.seq));
    expect(stored.operation).toMatchObject({ id, status: 'RUNNING', completedAt: null, reference: 'ref', dryRun: false });
    expect(stored.operation.results[0]).toMatchObject({
      index: 0,
      status: 'RUNNING',
      gcore: {
        taskIds: ['t1', 't2'],
        tasks: [
          { id: 't1', state: 'NEW', error: null },
          { id: 't2', state: 'RUNNING', error: null },
        ],
      },
    });
    expect(stored.operation.results[1]).toEqual({ index: 1, target: otherUpdate.target, status: 'PENDING', changes: otherUpdate.changes });
  });

  it('a terminal transition releases the lane and names its next entry; the last target ends the operation', async () => {
    const first = await store.transition(id, 0, ['RUNNING'], 'SUCCEEDED', undefined, gcoreUpdate);
    expect(first).toEqual({ changed: 1, resultStatus: 'SUCCEEDED', operationStatus: 'RUNNING', operationTerminalNow: false, nextLaneHead: `${second}#0` });
    const last = await store.transition(id, 1, ['PENDING', 'RUNNING'], 'FAILED', { error: { code: 'X', message: 'x' } }, otherUpdate);
    expect(last).toEqual({ changed: 1, resultStatus: 'FAILED', operationStatus: 'PARTIALLY_SUCCEEDED', operationTerminalNow: true, nextLaneHead: '' });
    const stored = (await store.get(id))!;
    expect(stored.operation.status).toBe('PARTIALLY_SUCCEEDED');
    expect(stored.operation.completedAt).not.toBeNull();
    expect(stored.operation.results[1].error).toEqual({ code: 'X', message: 'x' });
    expect(await redis.zscore(key('ops', 'status', 'PARTIALLY_SUCCEEDED'), id)).not.toBeNull();
    expect(await redis.zscore(key('ops', 'status', 'RUNNING'), id)).toBeNull();
    expect(await store.transition('op_unknown', 0, ['PENDING'], 'RUNNING', undefined)).toMatchObject({ changed: -1 });
  });

  it('no record: null, for one and for many', async () => {
    expect(decodeOperation({})).toBeNull();
    expect(await store.getMany([id, 'op_unknown'])).toEqual([expect.objectContaining({ meta: meta(id) }), null]);
  });

  describe('schema versions', () => {
    const third = 'op_01JD8X3Q4M5N6P7R8S9T0V1W2Z';
    const fourth = 'op_01JD8X3Q4M5N6P7R8S9T0V1W30';
    const previousUpdate: Update = { target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 2, id: 'prev' }, changes: { name: 'p' } };

    /** The hash exactly as the release before versions created it (48fb771's CREATE_OPERATION): no `v`. */
    const writePrevious = (opId: string, extra: Record<string, string> = {}) =>
      redis.hset(key('op', opId), {
        meta: JSON.stringify({ ...meta(opId), count: 1 }),
        updates: JSON.stringify([previousUpdate]),
        status: 'PENDING',
        createdAt: meta(opId).createdAt,
        updatedAt: meta(opId).createdAt,
        completedAt: '',
        count: '1',
        done: '0',
        ok: '0',
        seq: '1',
        createdMs: String(Date.parse(meta(opId).createdAt)),
        'r:0:s': 'PENDING',
        ...extra,
      });

    it('a record of the previous release (no `v`) reads as version 1 and runs to its end', async () => {
      await writePrevious(third);
      expect(decodeOperation(await redis.hgetall(key('op', third)))).toMatchObject({
        schemaVersion: 1,
        operation: { id: third, status: 'PENDING', results: [{ index: 0, status: 'PENDING' }] },
      });
      expect(await store.transition(third, 0, ['PENDING'], 'RUNNING', { gcore: { taskIds: ['t9'] } })).toMatchObject({
        changed: 1,
        operationStatus: 'RUNNING',
      });
      await store.setTaskState(third, 0, { id: 't9', state: 'FINISHED', error: null });
      expect(await store.transition(third, 0, ['RUNNING'], 'SUCCEEDED', undefined)).toMatchObject({
        changed: 1,
        operationStatus: 'SUCCEEDED',
        operationTerminalNow: true,
      });
      const stored = (await store.get(third))!;
      expect(stored.schemaVersion).toBe(1);
      expect(stored.operation.results[0]).toMatchObject({
        status: 'SUCCEEDED',
        gcore: { taskIds: ['t9'], tasks: [{ id: 't9', state: 'FINISHED', error: null }] },
      });
    });

    it('a record of a newer release reads by its known fields; the scripts keep its version and unknown fields', async () => {
      await writePrevious(fourth, { v: '3', 'r:0:x': 'later', later: 'kept' });
      expect((await store.get(fourth))!).toMatchObject({ schemaVersion: 3, operation: { id: fourth, status: 'PENDING' } });
      await store.transition(fourth, 0, ['PENDING'], 'FAILED', { error: { code: 'X', message: 'x' } });
      expect(await redis.hmget(key('op', fourth), 'v', 'r:0:x', 'later', 'status')).toEqual(['3', 'later', 'kept', 'FAILED']);
    });

    it('created now: version 2', async () => {
      expect((await store.get(id))!.schemaVersion).toBe(2);
    });
  });
});
