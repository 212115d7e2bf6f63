import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { GcoreTaskKeys, GcoreTaskLoopStore } from '@rpg/gcore-tasks';
import { QUEUES, jobIds, queuePrefix } from '@rpg/queues';
import { RedisKeys } from '@rpg/redis';
import { GcoreTasksProcessor } from './gcore-tasks.processor';

/** Poll jobs a worker of the previous release left in BullMQ move into the poll schedule (real Redis and BullMQ). */
describe('GcoreTasksProcessor (the previous release’s poll jobs)', () => {
  const url = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
  const prefix = `tg${randomBytes(4).toString('hex')}`;
  const config = { queuePrefix: prefix, gcoreTasks: { timeoutMs: 1_800_000, pollInitialMs: 1000, pollMaxMs: 2000 } } as AppConfig;
  const redis = new Redis(url);
  const store = new GcoreTaskLoopStore(redis, new GcoreTaskKeys(new RedisKeys(config)), config);
  const queue = new Queue(QUEUES.gcoreTasks, { connection: { url } as never, prefix: queuePrefix(prefix) });
  const processor = new GcoreTasksProcessor(store, config);

  afterAll(async () => {
    await queue.close();
    const all = await redis.keys(`{${prefix}}*`);
    if (all.length) await redis.del(...all);
    redis.disconnect();
  });

  it('starts the loop with the job’s state, due now; a task that has a loop keeps it', async () => {
    const data = {
      v: 2,
      taskId: 't1',
      startedAt: 1000,
      deadlineAt: 9_000_000_000_000,
      polls: 3,
      lastState: 'RUNNING',
      taskType: 'update_l7policy',
      scope: '1:2',
      dueAt: 5,
    };
    const job = await queue.add('poll', data, { jobId: jobIds.gcoreTask('t1'), delay: 60_000 });
    const before = Date.now();
    await processor.process(job);
    const loop = await store.find('t1');
    expect(loop).toMatchObject({
      loop: { taskId: 't1', startedAt: 1000, deadlineAt: 9_000_000_000_000, polls: 3, lastState: 'RUNNING', taskType: 'update_l7policy', scope: '1:2', v: 1 },
      claimed: false,
      failures: 0,
    });
    expect(loop!.dueAt).toBeGreaterThanOrEqual(before);
    expect(loop!.loop).not.toHaveProperty('dueAt');

    await processor.process(await queue.add('poll', { ...data, polls: 9 }, { jobId: 'task-t1-again' }));
    expect((await store.find('t1'))!.loop.polls).toBe(3);
  });

  it('a payload that is not one starts the loop afresh from the task id in the job id', async () => {
    const job = await queue.add('poll', null, { jobId: jobIds.gcoreTask('t2') });
    const before = Date.now();
    await processor.process(job);
    const loop = (await store.find('t2'))!.loop;
    expect(loop).toMatchObject({ taskId: 't2', polls: 0 });
    expect(loop.deadlineAt - loop.startedAt).toBe(1_800_000);
    expect(loop.startedAt).toBeGreaterThanOrEqual(before);
  });
});
