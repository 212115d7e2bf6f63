import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { RedisKeys } from '@rpg/redis';
import { formatTargetRef, parseTargetRef } from '@rpg/routing-policy';
import { GcoreSweepTrust } from './gcore-sweep-trust';
import { decodeTaskRecord, encodeTaskRecord, settledTaskOf } from './gcore-task-record';
import { GcoreTaskKeys } from './gcore-task.keys';
import { abandonTaskScript, dropEmptyScopeScript, registerWaiterScript, settleTaskScript } from './gcore-task.scripts';

/** Task tracking's Redis data on real Redis: key and field names are the stored format, pinned here literally. */
describe('Gcore task records and sweep marks (real Redis)', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `ug${randomBytes(4).toString('hex')}`;
  const keys = new GcoreTaskKeys(new RedisKeys({ queuePrefix: prefix } as AppConfig));
  const key = (...parts: string[]) => `{${prefix}}:${parts.join(':')}`;
  const scope = '7:8';
  const taskKeys = (taskId: string) => ({ task: keys.task(taskId), waiters: keys.waiters(taskId), inflight: keys.inflight(scope), loop: keys.loop(taskId) });
  const registerKeys = (taskId: string) => ({ ...taskKeys(taskId), scopes: keys.scopes(), loops: keys.loops() });
  const register = registerWaiterScript.on(redis);
  const settle = settleTaskScript.on(redis);
  const abandon = abandonTaskScript.on(redis);

  afterAll(async () => {
    const all = await redis.keys(`{${prefix}}*`);
    if (all.length) await redis.del(...all);
    redis.disconnect();
  });

  it('target references: `<operationId>#<index>` both ways', () => {
    expect(formatTargetRef({ operationId: 'op_A', index: 3 })).toBe('op_A#3');
    expect(parseTargetRef('op_A#12')).toEqual({ operationId: 'op_A', index: 12 });
  });

  it('a waiter registers on an open task (and its scope, and its one poll loop); the settled record hands every waiter the same end', async () => {
    const args = (waiter: string, now: number) => ({ waiter, ttlSeconds: 60, taskId: 't1', scope, now, loop: `{"taskId":"t1","n":${now}}`, dueAt: now + 5 });
    expect(await register(registerKeys('t1'), args('op_A#0', 1000))).toBeUndefined();
    expect(await register(registerKeys('t1'), args('op_B#1', 2000))).toBeUndefined();
    expect((await redis.smembers(key('taskw', 't1'))).sort()).toEqual(['op_A#0', 'op_B#1']);
    expect(await redis.zscore(key('tasks-inflight', scope), 't1')).toBe('1000');
    expect(await redis.smembers(key('tasks-inflight-scopes'))).toEqual([scope]);
    // the first waiter started the loop; the second joined it
    expect(await redis.zrange(key('task-loops'), 0, -1, 'WITHSCORES')).toEqual(['t1', '1005']);
    expect(await redis.hgetall(key('task-loop', 't1'))).toEqual({ data: '{"taskId":"t1","n":1000}', due: '1005', retry: '0' });

    const failure = { code: 'TASK_FAILED', message: 'boom' };
    const waiters = await settle(taskKeys('t1'), { ...encodeTaskRecord({ state: 'ERROR', error: 'boom', failure }), ttlSeconds: 60, taskId: 't1' });
    expect(waiters.sort((a, b) => a.operationId.localeCompare(b.operationId))).toEqual([
      { operationId: 'op_A', index: 0 },
      { operationId: 'op_B', index: 1 },
    ]);
    expect(await redis.hgetall(key('task', 't1'))).toEqual({ state: 'ERROR', error: 'boom', failure: JSON.stringify(failure), seen: '', v: '2' });
    expect(await redis.zscore(key('tasks-inflight', scope), 't1')).toBeNull();
    // the loop stays until every waiter was told (the poller removes it then), marked ended
    expect(await redis.hget(key('task-loop', 't1'), 'ended')).toBe('1');

    // a later waiter gets the record at once
    const late = await register(registerKeys('t1'), args('op_C#0', 3000));
    expect(late).toEqual({ state: 'ERROR', error: 'boom', failure, seen: undefined });
    expect(settledTaskOf('t1', late!)).toMatchObject({ task: { id: 't1', state: 'ERROR', error: 'boom' }, failure: { code: 'TASK_FAILED' } });
    expect(await dropEmptyScopeScript.on(redis)({ inflight: keys.inflight(scope), scopes: keys.scopes() }, { scope })).toBe(true);
  });

  it('abandon records its end unless one stands, and replies the record that stands with every waiter', async () => {
    const failure = { code: 'INTERNAL_ERROR', message: 'bug' };
    const record = encodeTaskRecord({ state: 'UNREADABLE', error: 'bug', failure, seen: 'RUNNING' });
    await redis.sadd(key('taskw', 't2'), 'op_D#2');
    const first = await abandon(taskKeys('t2'), { ...record, ttlSeconds: 60, taskId: 't2' });
    expect(first).toEqual({ record: { state: 'UNREADABLE', error: 'bug', failure, seen: 'RUNNING' }, waiters: [{ operationId: 'op_D', index: 2 }] });
    expect(settledTaskOf('t2', first.record)).toEqual({ task: { id: 't2', state: 'RUNNING', error: null }, failure });
    // without a loop, none is made up
    expect(await redis.exists(key('task-loop', 't2'))).toBe(0);

    // a record as the release before schema versions wrote it (no `v`), with a field of some newer release
    await redis.hset(key('task', 't3'), 'state', 'FINISHED', 'error', '', 'failure', '', 'seen', '', 'later', 'x');
    const standing = await abandon(taskKeys('t3'), { ...record, ttlSeconds: 60, taskId: 't3' });
    expect(standing).toEqual({ record: { state: 'FINISHED', error: null, failure: undefined, seen: undefined }, waiters: [] });
    expect(await redis.hget(key('task', 't3'), 'later')).toBe('x');
  });

  it('a record whose failure is not JSON still decodes (the failure is dropped)', () => {
    expect(decodeTaskRecord(['UNREADABLE', 'e', '{not json', 'NEW'])).toEqual({ state: 'UNREADABLE', error: 'e', failure: undefined, seen: 'NEW' });
  });

  describe('GcoreSweepTrust', () => {
    const trust = new GcoreSweepTrust(redis, keys);

    it('a covered scope is swept until it is distrusted; distrust drops the coverage', async () => {
      expect(await trust.isSwept(scope)).toBe(false);
      await trust.markCovered(scope, 5000);
      expect(await trust.isSwept(scope)).toBe(true);
      expect(await redis.pttl(key('tasksweep-ok', scope))).toBeGreaterThan(4000);
      await trust.distrust(scope, 9000);
      expect(await trust.isSwept(scope)).toBe(false);
      expect(await trust.isDistrusted(scope)).toBe(true);
      expect(await redis.exists(key('tasksweep-ok', scope))).toBe(0);
      expect(await redis.pttl(key('tasksweep-bad', scope))).toBeGreaterThan(8000);
    });

    it('a one-page listing is wrong at once; paged listings after 20 misses a minute', async () => {
      expect(await trust.listingWasWrong('1:1', 'page')).toBe(true);
      for (let n = 0; n < 20; n++) expect(await trust.listingWasWrong('1:1', 'pages')).toBe(false);
      expect(await trust.listingWasWrong('1:1', 'pages')).toBe(true);
      expect(await redis.pttl(key('tasksweep-misses', '1:1'))).toBeGreaterThan(50_000);
    });

    it('one sweeper per tick, and one listing per turn', async () => {
      expect(await trust.takeTick('a', 5000)).toBe(true);
      expect(await trust.takeTick('b', 5000)).toBe(false);
      expect(await trust.handOverTick('b', 100)).toBe(false);
      expect(await trust.handOverTick('a', 100)).toBe(true);
      expect(await redis.pttl(key('tasksweep-lock'))).toBeLessThanOrEqual(100);
      expect(await trust.takeListingTurn(scope, 5000)).toBe(true);
      expect(await trust.takeListingTurn(scope, 5000)).toBe(false);
      expect(await redis.exists(key('tasksweep-next', scope))).toBe(1);
    });
  });
});
