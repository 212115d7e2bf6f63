import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { ProviderAdapterRegistry } from '@rpg/providers';
import { RedisKeys } from '@rpg/redis';
import { GcoreTaskState, ProviderAdapter, ResultDetail, Update } from '@rpg/routing-policy';
import { newSortableId } from '../../operation-id';
import { OperationStore, StoredOperation } from '../../operation.store';
import type { TargetCompletion } from '../../target-completion.service';
import { RecordTaskStateUseCase } from './record-task-state.usecase';
import { deleteKeys } from '../../../../../test/support/redis-keys';

/** Task states recorded on a waiting target (real operation store): the last task's end ends the target in the same step. */
describe('RecordTaskStateUseCase', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `rts${randomBytes(4).toString('hex')}`;
  const config = { queuePrefix: prefix, operationRetentionDays: 1 } as AppConfig;
  const store = new OperationStore(redis, new RedisKeys(config), config);
  const update: Update = {
    target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000007' },
    changes: { name: 'x' },
  };
  const adapter = { supports: () => true, appliedState: async () => ({ name: 'x' }) } as unknown as ProviderAdapter;
  const finished: { status: string; detail: ResultDetail; lastTask?: GcoreTaskState }[] = [];
  const completion = {
    finish: async (stored: StoredOperation, index: number, status: 'SUCCEEDED' | 'FAILED', detail: ResultDetail, lastTask?: GcoreTaskState) => {
      finished.push({ status, detail, lastTask });
      await store.transition(stored.operation.id, index, ['PENDING', 'RUNNING'], status, detail, stored.updates[index], lastTask);
    },
    followUp: async () => undefined,
  } as unknown as TargetCompletion;
  const useCase = new RecordTaskStateUseCase(store, completion, new ProviderAdapterRegistry([adapter]));
  const task = (id: string, state: GcoreTaskState['state'], error: string | null = null): GcoreTaskState => ({ id, state, error });

  /** An accepted operation whose one target waits on `taskIds`. */
  const waiting = async (taskIds: string[]): Promise<string> => {
    const id = newSortableId('op');
    await store.create({ id, createdAt: new Date().toISOString(), reference: null, dryRun: false, count: 1, apiKeyName: 't' }, [update]);
    await store.transition(id, 0, ['PENDING'], 'RUNNING', { before: { name: 'a' }, gcore: { taskIds } });
    return id;
  };

  beforeEach(() => {
    finished.length = 0;
  });

  afterAll(async () => {
    await deleteKeys(redis, `{${prefix}}*`);
    await redis.quit();
  });

  it("records the only task's end with the target's end, in one script call", async () => {
    const id = await waiting(['t1']);
    await useCase.execute({ waiter: { operationId: id, index: 0 }, settled: { task: task('t1', 'RUNNING') } });
    expect((await store.get(id))!.operation.results[0]).toMatchObject({ status: 'RUNNING', gcore: { tasks: [task('t1', 'RUNNING')] } });

    await useCase.execute({ waiter: { operationId: id, index: 0 }, settled: { task: task('t1', 'FINISHED') } });
    const result = (await store.get(id))!.operation.results[0];
    expect(result).toMatchObject({
      status: 'SUCCEEDED',
      before: { name: 'a' },
      applied: { name: 'x' },
      gcore: { taskIds: ['t1'], tasks: [task('t1', 'FINISHED')] },
    });
    expect(finished).toEqual([expect.objectContaining({ status: 'SUCCEEDED', lastTask: task('t1', 'FINISHED') })]);
  });

  it('waits for every task: the first to end is only recorded, the last ends the target (FAILED with the first ERROR)', async () => {
    const id = await waiting(['t1', 't2']);
    await useCase.execute({ waiter: { operationId: id, index: 0 }, settled: { task: task('t2', 'ERROR', 'quota') } });
    expect(finished).toHaveLength(0);
    expect((await store.get(id))!.operation.results[0]).toMatchObject({
      status: 'RUNNING',
      gcore: { tasks: [task('t1', 'NEW'), task('t2', 'ERROR', 'quota')] },
    });

    await useCase.execute({ waiter: { operationId: id, index: 0 }, settled: { task: task('t1', 'FINISHED') } });
    const result = (await store.get(id))!.operation.results[0];
    expect(result).toMatchObject({
      status: 'FAILED',
      error: { code: 'TASK_FAILED', message: 'Gcore task t2 ended in ERROR: quota' },
      gcore: { tasks: [task('t1', 'FINISHED'), task('t2', 'ERROR', 'quota')] },
    });
    expect(result.applied).toBeUndefined();
  });

  it("a task's end told after its target ended is still recorded (the target stays as it ended)", async () => {
    const id = await waiting(['t1']);
    await store.transition(id, 0, ['RUNNING'], 'FAILED', { error: { code: 'TASK_TIMEOUT', message: 'late' }, gcore: { taskIds: ['t1'] } }, update);
    await useCase.execute({ waiter: { operationId: id, index: 0 }, settled: { task: task('t1', 'FINISHED') } });
    expect(finished).toHaveLength(0);
    expect((await store.get(id))!.operation.results[0]).toMatchObject({ status: 'FAILED', gcore: { tasks: [task('t1', 'FINISHED')] } });
  });

  it("the transition records a task's state even when it refuses the change (the target ended meanwhile)", async () => {
    const id = await waiting(['t1']);
    await store.transition(id, 0, ['RUNNING'], 'FAILED', { error: { code: 'TASK_TIMEOUT', message: 'late' }, gcore: { taskIds: ['t1'] } }, update);
    const refused = await store.transition(id, 0, ['RUNNING'], 'SUCCEEDED', { gcore: { taskIds: ['t1'] } }, update, task('t1', 'FINISHED'));
    expect(refused).toMatchObject({ changed: 0, resultStatus: 'FAILED' });
    expect((await store.get(id))!.operation.results[0]).toMatchObject({
      status: 'FAILED',
      error: { code: 'TASK_TIMEOUT' },
      gcore: { tasks: [task('t1', 'FINISHED')] },
    });
  });
});
