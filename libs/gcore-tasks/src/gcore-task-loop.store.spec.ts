import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { RedisKeys } from '@rpg/redis';
import { encodeTaskRecord } from './gcore-task-record';
import { GcoreTaskLoop, decodeTaskLoop, encodeTaskLoop, startLoop } from './gcore-task-loop';
import { GcoreTaskLoopStore } from './gcore-task-loop.store';
import { GcoreTaskKeys } from './gcore-task.keys';
import { registerWaiterScript, settleTaskScript } from './gcore-task.scripts';
import { scaled } from '../../../test/support/wait';

/** The poll schedule on real Redis: claims and their leases, one loop per task, bringing a loop forward, backoff, the end. */
describe('GcoreTaskLoopStore (real Redis)', () => {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const redis = new Redis(url);
  const prefix = `tl${randomBytes(4).toString('hex')}`;
  const config = { queuePrefix: prefix, gcoreTasks: { pollInitialMs: 1000, pollMaxMs: 2000 } } as AppConfig;
  const keys = new GcoreTaskKeys(new RedisKeys(config));
  const store = new GcoreTaskLoopStore(redis, keys, config);
  const register = registerWaiterScript.on(redis);
  const settle = settleTaskScript.on(redis);
  let n = 0;
  const newTask = () => `task-${++n}`;
  const loopOf = (taskId: string, extra: Partial<GcoreTaskLoop> = {}): GcoreTaskLoop => ({
    ...startLoop({ taskId, startedAt: 1000, deadlineAt: Date.now() + 60_000, scope: '1:2' }),
    ...extra,
  });
  /** Claims everything due now (a lease of `leaseMs`) and keeps only this test's task. */
  const claimOne = async (taskId: string, leaseMs = 10_000) => {
    const now = Date.now();
    const { loops } = await store.claim(now, 1000, now + leaseMs);
    return loops.find((l) => l.taskId === taskId);
  };

  beforeEach(async () => {
    await redis.del(keys.loops()); // every test starts from an empty schedule
  });
  afterAll(async () => {
    const all = await redis.keys(`{${prefix}}*`);
    if (all.length) await redis.del(...all);
    redis.disconnect();
  });

  it('one loop per task id: the first waiter starts it, later ones join it (its state and due time are kept)', async () => {
    const taskId = newTask();
    const registerAt = async (waiter: string, now: number) =>
      register(
        {
          task: keys.task(taskId),
          waiters: keys.waiters(taskId),
          inflight: keys.inflight(''),
          scopes: keys.scopes(),
          loops: keys.loops(),
          loop: keys.loop(taskId),
        },
        { waiter, ttlSeconds: 60, taskId, scope: '', now, loop: encodeTaskLoop(loopOf(taskId, { startedAt: now })), dueAt: now + 1000 },
      );
    await registerAt('op_A#0', 5000);
    await registerAt('op_B#1', 7000);
    expect(await redis.zrange(keys.loops(), 0, -1, 'WITHSCORES')).toEqual([taskId, '6000']);
    expect(await store.find(taskId)).toMatchObject({
      loop: { taskId, startedAt: 5000, polls: 0, v: 1 },
      dueAt: 6000,
      score: 6000,
      claimed: false,
      failures: 0,
      ended: false,
    });
    expect(await redis.smembers(keys.waiters(taskId))).toHaveLength(2);
    // the loop of a previous release's poll job joins no running loop either
    expect(await store.adopt(loopOf(taskId, { polls: 9 }), 1)).toBe(false);
    expect((await store.find(taskId))?.loop.polls).toBe(0);
  });

  it('claims due loops only, in due order, up to the limit, leased; replies when the next one is due', async () => {
    const [a, b, later] = [newTask(), newTask(), newTask()];
    const now = Date.now();
    await store.adopt(loopOf(b), now - 50);
    await store.adopt(loopOf(a), now - 100);
    await store.adopt(loopOf(later), now + 60_000);
    const first = await store.claim(now, 1, now + 10_000);
    expect(first.loops.map((l) => l.taskId)).toEqual([a]);
    expect(first.loops[0]).toMatchObject({ dueAt: now - 100, failures: 0, ended: false });
    expect(decodeTaskLoop(first.loops[0].data)).toEqual({ ...loopOf(a), deadlineAt: expect.any(Number), v: 1 });
    expect(first.nextDueAt).toBe(now - 50);
    const second = await store.claim(now, 10, now + 10_000);
    expect(second.loops.map((l) => l.taskId)).toEqual([b]);
    expect(second.nextDueAt).toBe(now + 10_000); // the leases of a and b come before `later`
    expect(await store.find(a)).toMatchObject({ score: now + 10_000, dueAt: now - 100, claimed: true });
    expect((await store.claim(now, 10, now + 10_000)).loops).toEqual([]);
  });

  it('a claimed loop comes due again when its lease runs out (its poller died); a renewed lease keeps it', async () => {
    const [dying, alive] = [newTask(), newTask()];
    await store.adopt(loopOf(dying), Date.now() - 10);
    await store.adopt(loopOf(alive), Date.now() - 10);
    expect(await claimOne(dying, 300)).toBeDefined();
    await store.extendLeases([alive], Date.now() + 60_000); // not claimed yet: a lease only ever moves later (GT)
    expect((await store.find(alive))?.score).toBeGreaterThan(Date.now() + 50_000);
    await store.extendLeases(['no-such-task'], Date.now()); // XX: never adds one
    expect(await redis.zscore(keys.loops(), 'no-such-task')).toBeNull();
    expect(await claimOne(dying)).toBeUndefined();
    await new Promise((r) => setTimeout(r, 350));
    // another poller takes it over, with the due time it had (its lateness counts from there)
    const again = await claimOne(dying);
    expect(again).toMatchObject({ taskId: dying, failures: 0, ended: false });
    expect(again!.dueAt).toBeLessThan(Date.now() - 300);
  });

  it('a poll writes its loop back: next state and due time, or failures in a row (the state kept); a removed loop stays removed', async () => {
    const taskId = newTask();
    await store.adopt(loopOf(taskId), Date.now() - 1);
    await claimOne(taskId);
    const next = loopOf(taskId, { polls: 1, lastState: 'RUNNING', taskType: 'update_l7policy' });
    expect(await store.reschedule(taskId, 123_456, { loop: next, failures: 0 })).toBe(true);
    expect(await store.find(taskId)).toMatchObject({ loop: { polls: 1, lastState: 'RUNNING' }, dueAt: 123_456, score: 123_456, claimed: false, failures: 0 });

    // a failed GET: the same state, backing off
    await claimOne(taskId);
    expect(await store.reschedule(taskId, 124_000, { failures: 2 })).toBe(true);
    const backingOff = await claimOne(taskId);
    expect(backingOff).toMatchObject({ dueAt: 124_000, failures: 2 });
    expect(decodeTaskLoop(backingOff!.data)).toMatchObject({ polls: 1, lastState: 'RUNNING' });

    await store.finish(taskId);
    expect(await store.reschedule(taskId, 125_000, { loop: next, failures: 0 })).toBe(false);
    expect(await redis.exists(keys.loop(taskId))).toBe(0);
    expect(await store.find(taskId)).toBeNull();
  });

  it('pollNow: a waiting loop is due at once (with the sweep poke, woken pollers); a polled one is busy; a backing-off one only for the sweep', async () => {
    const subscriber = new Redis(url);
    const heard: string[] = [];
    subscriber.on('message', (channel: string, message: string) => heard.push(`${channel} ${message}`));
    await subscriber.subscribe(store.channel);
    const signalled: number[] = [];
    const unlisten = store.onSooner((at) => signalled.push(at));
    try {
      const [waiting, polled, backingOff, soon] = [newTask(), newTask(), newTask(), newTask()];
      await store.adopt(loopOf(waiting), Date.now() + 60_000);
      await store.adopt(loopOf(polled), Date.now() - 1);
      await store.adopt(loopOf(backingOff), Date.now() - 1);
      await store.adopt(loopOf(soon), Date.now() + 1000);
      await claimOne(polled);
      await claimOne(backingOff);
      await store.reschedule(backingOff, Date.now() + 30_000, { failures: 3 });

      signalled.length = 0; // new loops and reschedules signal too
      const before = Date.now();
      expect(await store.bringForward(waiting, { poke: 'pages', unlessBackingOff: true })).toBe('promoted');
      const moved = (await store.find(waiting))!;
      expect(moved.score).toBeGreaterThanOrEqual(before);
      expect(moved.score).toBeLessThanOrEqual(Date.now());
      expect(moved).toMatchObject({ dueAt: moved.score, claimed: false });
      expect(await redis.hget(keys.loop(waiting), 'poke')).toBe('pages');
      expect(Number(await redis.hget(keys.loop(waiting), 'pokeUntil'))).toBeGreaterThan(Date.now() + 50_000);
      expect(signalled).toEqual([moved.score]);
      // the poke goes to the next poll only: its claim reads it, its reschedule spends it
      expect(await claimOne(waiting)).toMatchObject({ taskId: waiting, poke: 'pages' });
      await store.reschedule(waiting, Date.now() - 1, { failures: 0 });
      expect(await claimOne(waiting)).toMatchObject({ taskId: waiting, poke: null });

      expect(await store.bringForward(polled)).toBe('busy');
      expect(await store.bringForward(backingOff, { poke: 'page', unlessBackingOff: true })).toBe('busy');
      expect(await redis.hget(keys.loop(backingOff), 'poke')).toBe(''); // spent by its last poll, none stored since
      expect(await store.bringForward(backingOff)).toBe('promoted'); // an inbound hint is not the sweep
      // ...but a task is not polled twice in a row: due the schedule's shortest delay (250 ms) after its last poll
      const spaced = (await store.find(backingOff))!;
      expect(spaced.dueAt - Number(await redis.hget(keys.loop(backingOff), 'polled'))).toBe(250);
      expect(await store.bringForward('no-such-task')).toBe('missing');
      // the sweep distrusted: only loops stretched past a point are brought back
      expect(await store.bringForward(soon, { onlyIfDueAfter: Date.now() + 5000 })).toBe('kept');
      expect((await store.find(soon))!.score).toBeGreaterThan(Date.now() + 500);

      await waitUntil(() => heard.length === 2);
      expect(heard.map((h) => h.split(' ')[0])).toEqual([store.channel, store.channel]);
    } finally {
      unlisten();
      subscriber.disconnect();
    }
  });

  it('a poke older than its time is not replied (the listing it came from is stale by then)', async () => {
    const taskId = newTask();
    await store.adopt(loopOf(taskId), Date.now() - 1);
    await redis.hset(keys.loop(taskId), 'poke', 'page', 'pokeUntil', Date.now() - 1);
    expect(await claimOne(taskId)).toMatchObject({ taskId, poke: null });
  });

  it('settling marks the loop ended (its waiters are being told); the claim says so; finish removes it', async () => {
    const taskId = newTask();
    await store.adopt(loopOf(taskId), Date.now() - 1);
    await claimOne(taskId);
    await settle(
      { task: keys.task(taskId), waiters: keys.waiters(taskId), inflight: keys.inflight('1:2'), loop: keys.loop(taskId) },
      { ...encodeTaskRecord({ state: 'FINISHED', error: null }), ttlSeconds: 60, taskId },
    );
    expect(await store.find(taskId)).toMatchObject({ ended: true, claimed: true });
    expect(await store.bringForward(taskId)).toBe('busy');
    // the poller died before it told every waiter: the next claim (its lease ran out) tells them
    await store.release([taskId], Date.now() - 1);
    expect(await claimOne(taskId)).toMatchObject({ taskId, ended: true });
    await store.finish(taskId);
    expect(await redis.zscore(keys.loops(), taskId)).toBeNull();
    expect(await redis.exists(keys.loop(taskId))).toBe(0);
  });
});

async function waitUntil(check: () => boolean, ms = scaled(15_000)): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
