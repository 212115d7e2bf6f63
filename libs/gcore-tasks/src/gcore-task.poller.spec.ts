import { Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { ServiceMetrics } from '@rpg/observability';
import { retryLater } from '@rpg/queues';
import { RedisConnectionFactory, RedisKeys } from '@rpg/redis';
import { ProviderError, SettledTask, TaskWaiter } from '@rpg/routing-policy';
import { GcoreTaskLoop, startLoop } from './gcore-task-loop';
import { GcoreTaskLoopStore, StoredTaskLoop } from './gcore-task-loop.store';
import { GcoreTaskKeys } from './gcore-task.keys';
import { GcoreTaskPoller } from './gcore-task.poller';
import type { GcoreTaskWatcher, PollOutcome } from './gcore-task.watcher';
import { waitFor, within } from '../../../test/support/wait';

const INTERNAL_ERROR = { code: 'INTERNAL_ERROR', message: 'internal error' };

/** The poller on real Redis, with the poll itself (GcoreTaskWatcher) and the waiters' side played by the test. */
describe('GcoreTaskPoller (real Redis)', () => {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `tp${randomBytes(4).toString('hex')}`;
  const config = {
    queuePrefix: prefix,
    redisUrl: url,
    redisClusterNodes: [],
    workerConcurrency: 10,
    gcoreTasks: { pollInitialMs: 1000, pollMaxMs: 2000 },
  } as unknown as AppConfig;
  const keys = new GcoreTaskKeys(new RedisKeys(config));
  const redis = new Redis(url);
  const connections = new RedisConnectionFactory(config);
  const store = new GcoreTaskLoopStore(redis, keys, config);
  const waiter: TaskWaiter = { operationId: 'op_A', index: 0 };
  const told: { waiter: TaskWaiter; news: SettledTask }[] = [];
  let poll: jest.Mock<Promise<PollOutcome>, [GcoreTaskLoop]>;
  let watcher: Pick<GcoreTaskWatcher, 'poll' | 'settledOf' | 'abandon'>;
  let poller: GcoreTaskPoller;
  let subscriber: Redis | undefined; // the poller's pub/sub connection, the last one it created
  const create = connections.create.bind(connections);
  jest.spyOn(connections, 'create').mockImplementation((...args: Parameters<RedisConnectionFactory['create']>) => {
    const created = create(...args);
    subscriber = created as Redis;
    return created;
  });
  let n = 0;

  const newLoop = async (dueInMs = 0, extra: Partial<GcoreTaskLoop> = {}): Promise<string> => {
    const taskId = `t${++n}`;
    await store.adopt({ ...startLoop({ taskId, startedAt: Date.now(), deadlineAt: Date.now() + 60_000 }), ...extra }, Date.now() + dueInMs);
    return taskId;
  };
  // an event-driven wait with the shared (generous, TEST_TIME_SCALE-scaled) deadline
  const until = <T>(what: () => Promise<T | null | undefined | false>): Promise<T> => waitFor(what, undefined, 10);
  /** The task's loop once it matches. */
  const loopWhere = (taskId: string, matches: (found: StoredTaskLoop) => boolean): Promise<StoredTaskLoop> =>
    until(async () => {
      const found = await store.find(taskId);
      return found && matches(found) ? found : null;
    });

  beforeEach(async () => {
    await redis.del(keys.loops());
    told.length = 0;
    poll = jest.fn();
    watcher = {
      poll,
      settledOf: jest.fn().mockResolvedValue(null),
      abandon: jest
        .fn()
        .mockImplementation((taskId: string, failure: typeof INTERNAL_ERROR) =>
          Promise.resolve({ settled: { task: { id: taskId, state: 'NEW', error: null }, failure }, waiters: [waiter] }),
        ),
    };
    poller = new GcoreTaskPoller(store, watcher as GcoreTaskWatcher, new ServiceMetrics(false), connections, redis, config);
    poller.start({ tell: (w, news) => Promise.resolve(void told.push({ waiter: w, news })), internalError: INTERNAL_ERROR });
  });
  afterEach(async () => {
    await poller.stop();
  });
  afterAll(async () => {
    await connections.onApplicationShutdown();
    const all = await redis.keys(`{${prefix}}*`);
    if (all.length) await redis.del(...all);
    redis.disconnect();
  });

  it('polls a due loop and writes it back: its next state and due time; the waiters hear of a new state', async () => {
    poll.mockImplementation((loop) =>
      Promise.resolve({
        kind: 'again',
        delayMs: 60_000,
        state: 'RUNNING',
        changed: true,
        waiters: [waiter],
        next: { ...loop, polls: 1, lastState: 'RUNNING' },
      }),
    );
    const taskId = await newLoop();
    const stored = await loopWhere(taskId, (found) => found.loop.polls === 1);
    expect(stored).toMatchObject({ loop: { lastState: 'RUNNING' }, claimed: false, failures: 0 });
    expect(stored.dueAt).toBeGreaterThan(Date.now() + 55_000);
    expect(told).toEqual([{ waiter, news: { task: { id: taskId, state: 'RUNNING', error: null } } }]);
    expect(poll).toHaveBeenCalledTimes(1);
  });

  it('a settled loop tells every waiter, then is removed', async () => {
    poll.mockImplementation((loop) =>
      Promise.resolve({ kind: 'settled', settled: { task: { id: loop.taskId, state: 'FINISHED', error: null } }, waiters: [waiter] }),
    );
    const taskId = await newLoop();
    await until(async () => (await store.find(taskId)) === null);
    expect(told).toEqual([{ waiter, news: { task: { id: taskId, state: 'FINISHED', error: null } } }]);
  });

  it('a loop that settled before every waiter was told (its poller died) tells them its record, without polling again', async () => {
    const taskId = await newLoop(60_000);
    await redis.hset(keys.loop(taskId), 'ended', '1');
    (watcher.settledOf as jest.Mock).mockResolvedValue({ settled: { task: { id: taskId, state: 'FINISHED', error: null } }, waiters: [waiter] });
    await store.bringForward(taskId).catch(() => undefined); // busy: an ended loop is not brought forward...
    await store.release([taskId], Date.now()); // ...but comes due when its lease runs out
    await until(async () => (await store.find(taskId)) === null);
    expect(poll).not.toHaveBeenCalled();
    expect(told).toHaveLength(1);
  });

  it('a transient failure backs off from 1 s, doubling, never past the deadline; the state is kept', async () => {
    // the backoff counts from the failed poll, whose start is the lower bound of when it was scheduled (measuring from
    // when the test read it back would shrink it by however long a busy machine took in between)
    const polledAt: number[] = [];
    const unavailable = retryLater(new ProviderError('PROVIDER_UNAVAILABLE', 'Gcore answered 503', { providerStatus: 503, retryable: true }));
    poll.mockImplementation(() => (polledAt.push(Date.now()), Promise.reject(unavailable)));
    const taskId = await newLoop(0, { polls: 4 });
    const first = await loopWhere(taskId, (found) => found.failures === 1);
    expect(first.dueAt - polledAt[0]).toBeGreaterThan(800);
    expect(first.dueAt - Date.now()).toBeLessThanOrEqual(1000);
    expect(first.loop.polls).toBe(4);
    await store.bringForward(taskId);
    const second = await loopWhere(taskId, (found) => found.failures === 2);
    expect(second.dueAt - polledAt[1]).toBeGreaterThan(1800);
    expect(second.dueAt - Date.now()).toBeLessThanOrEqual(2000);

    const near = await newLoop(0, { deadlineAt: Date.now() + 300 });
    const capped = await loopWhere(near, (found) => found.failures === 1);
    expect(capped.dueAt).toBeLessThanOrEqual(capped.loop.deadlineAt);
    expect(told).toEqual([]);
  });

  it('a bug ends the loop at once: its waiters get INTERNAL_ERROR, one error line, the loop removed', async () => {
    const errors = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    try {
      poll.mockRejectedValue(new TypeError("Cannot read properties of undefined (reading 'state')"));
      const taskId = await newLoop(0, { lastState: 'RUNNING', scope: '1:2' });
      await until(async () => (await store.find(taskId)) === null);
      expect(watcher.abandon).toHaveBeenCalledWith(taskId, INTERNAL_ERROR, { scope: '1:2', seen: 'RUNNING' });
      expect(told).toEqual([{ waiter, news: { task: { id: taskId, state: 'NEW', error: null }, failure: INTERNAL_ERROR } }]);
      expect(errors).toHaveBeenCalledTimes(1);
      expect(errors.mock.calls[0][0]).toMatchObject({
        queue: 'gcore-tasks',
        job: 'poll',
        jobId: `task-${taskId}`,
        taskId,
        operationId: 'op_A',
        waiters: ['op_A#0'],
      });

      // a loop whose state is not one at all: the same
      const corrupt = await newLoop(60_000);
      await redis.hset(keys.loop(corrupt), 'data', 'null');
      await store.bringForward(corrupt);
      await until(async () => (await store.find(corrupt).catch(() => 'unreadable')) === null);
      expect(poll).toHaveBeenCalledTimes(1);
      expect(errors).toHaveBeenCalledTimes(2);
    } finally {
      errors.mockRestore();
    }
  });

  it('wakes at once for a loop brought forward in another process (pub/sub), not at its due time', async () => {
    poll.mockImplementation((loop) =>
      Promise.resolve({ kind: 'settled', settled: { task: { id: loop.taskId, state: 'FINISHED', error: null } }, waiters: [] }),
    );
    const taskId = await newLoop(60_000);
    const elsewhere = new GcoreTaskLoopStore(redis, keys, config); // its in-process signal does not reach this poller
    // the proof is the wake-up itself, not how soon the poll came (the poller also looks every MAX_SLEEP_MS, so a time
    // bound could not tell the two apart on a busy machine): the pub/sub message sets the poller's timer for its due
    // time while the poller's own handler runs, which a listener added after it sees at once
    const wakeAt = jest.spyOn(poller as unknown as { wakeAt(at: number): void }, 'wakeAt');
    // this poller's connection is subscribed (a SUBSCRIBE on it answers after the poller's own, in order), so the
    // message cannot be lost to a subscription still on its way (earlier tests' pollers' connections count on the server)
    const connection = await until(async () => subscriber);
    await connection.subscribe(store.channel);
    const woken = new Promise<{ dueAt: number; wokeFor: number[] }>((resolve) =>
      connection.once('message', (_channel: string, dueAt: string) => resolve({ dueAt: Number(dueAt), wokeFor: wakeAt.mock.calls.at(-1)! })),
    );
    expect(await elsewhere.bringForward(taskId)).toBe('promoted');
    const { dueAt, wokeFor } = await within(woken, 'the pub/sub message');
    expect(dueAt).toBeLessThanOrEqual(Date.now());
    expect(wokeFor).toEqual([dueAt]);
    await until(async () => poll.mock.calls.length > 0);
    expect(poll.mock.calls[0][0]).toMatchObject({ taskId });
  });

  it('a stopping poller lets running polls finish, then gives the loops of those still running back', async () => {
    let finish!: () => void;
    poll.mockImplementation(
      (loop) =>
        new Promise((resolve) => {
          finish = () => resolve({ kind: 'again', delayMs: 60_000, state: 'RUNNING', changed: false, waiters: [], next: loop });
        }),
    );
    const taskId = await newLoop();
    await until(async () => poll.mock.calls.length > 0);
    expect((await store.find(taskId))?.claimed).toBe(true);
    const stopping = poller.stop();
    finish();
    await stopping;
    expect(await store.find(taskId)).toMatchObject({ claimed: false });
    expect((await store.find(taskId))!.dueAt).toBeGreaterThan(Date.now() + 55_000);
  });
});
