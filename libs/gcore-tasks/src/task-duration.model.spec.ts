import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { RedisKeys } from '@rpg/redis';
import { TaskDurationModel } from './task-duration.model';

/** The shared task-duration model on real Redis: samples are batched per process, folded in order, then trusted. */
describe('TaskDurationModel', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const keys = new RedisKeys({ queuePrefix: `tdm${randomBytes(4).toString('hex')}` } as AppConfig);
  const task = (type: string, seconds: number) => ({
    task_type: type,
    created_on: '2026-12-02T10:00:00',
    finished_on: `2026-12-02T10:00:${String(seconds).padStart(2, '0')}`,
  });

  afterAll(async () => {
    await redis.del(keys.key('tasktypes'));
    await redis.quit();
  });

  it('folds a batch of durations into the shared model in one write, and trusts it from five steady samples on', async () => {
    const model = new TaskDurationModel(redis, keys);
    for (const s of [10, 10, 10, 10]) model.record(task('steady', s));
    expect(await redis.hget(keys.key('tasktypes'), 'steady')).toBeNull(); // batched: not written per task
    await model.flush();
    expect(JSON.parse((await redis.hget(keys.key('tasktypes'), 'steady'))!)).toMatchObject({ n: 4, mean: 10_000 });
    expect(await new TaskDurationModel(redis, keys).expectedMs('steady')).toBeUndefined(); // 4 samples: not yet

    model.record(task('steady', 10));
    model.record({ task_type: 'steady', created_on: null, finished_on: '2026-12-02T10:00:10' }); // no duration: ignored
    await model.flush();
    expect(await new TaskDurationModel(redis, keys).expectedMs('steady')).toBe(10_000);
  });

  it('never trusts a type whose durations scatter', async () => {
    const model = new TaskDurationModel(redis, keys);
    for (const s of [2, 30, 5, 50, 3, 40]) model.record(task('scattered', s));
    await model.flush();
    expect(JSON.parse((await redis.hget(keys.key('tasktypes'), 'scattered'))!)).toMatchObject({ n: 6 });
    expect(await model.expectedMs('scattered')).toBeUndefined();
  });
});
