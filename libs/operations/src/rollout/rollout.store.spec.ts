import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '@rpg/config';
import { RedisKeys } from '@rpg/redis';
import { Update } from '@rpg/routing-policy';
import { OperationMeta, OperationStore } from '../operation.store';
import { RolloutStore, batchOf } from './rollout.store';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The rollout scripts against real Redis: each step is guarded, so running it twice changes nothing the second time. */
describe('RolloutStore', () => {
  const redis = new Redis(REDIS_URL);
  const prefix = `rs${randomBytes(3).toString('hex')}`;
  const config = { queuePrefix: prefix, operationRetentionDays: 1 } as unknown as AppConfig;
  const keys = new RedisKeys(config);
  const operations = new OperationStore(redis, keys, config);
  const rollouts = new RolloutStore(redis, keys, config);
  let n = 0;

  const l7 = (i: number): Update => ({
    target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 1, id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` },
    changes: { name: `name-${i}` },
  });

  async function create(updates: Update[], batches: number[][], onFailure: 'continue' | 'halt' | 'revert' = 'halt') {
    n += 1;
    const id = `op_01JD8X3Q4M5N6P7R8S9T0V${String(n).padStart(4, '0')}`;
    const meta: OperationMeta = {
      id,
      createdAt: new Date().toISOString(),
      reference: null,
      dryRun: false,
      count: updates.length,
      apiKeyName: 'test',
      rollout: { batches, pauseSeconds: 0, onFailure },
    };
    const { heads } = await operations.create(meta, updates);
    return { id, heads, stored: (await operations.get(id))! };
  }

  afterAll(async () => {
    const found = await redis.keys(`{${prefix}}*`);
    if (found.length) await redis.del(...found);
    redis.disconnect();
  });

  it('finds the batch of a target', () => {
    expect(batchOf([[0], [1, 2], [3]], 2)).toBe(1);
    expect(batchOf([[0], [1, 2], [3]], 7)).toBe(-1);
  });

  it('starts a rollout at batch 0: only its targets may start; the next batch starts once, with the lane heads it finds', async () => {
    const { id, stored } = await create([l7(1), l7(2), l7(3)], [[0], [1, 2]]);
    expect(stored.operation.rollout).toMatchObject({ current: 0, state: 'RUNNING', batches: [[0], [1, 2]] });
    expect(await rollouts.mayStart(id, 0)).toBe(true);
    expect(await rollouts.mayStart(id, 1)).toBe(false);
    expect(await rollouts.advance(stored, 1, [2])).toEqual({ advanced: false, heads: [] }); // not the current batch
    expect(await rollouts.advance(stored, 0, [1, 2])).toEqual({ advanced: true, heads: [1, 2] });
    expect(await rollouts.advance(stored, 0, [1, 2])).toEqual({ advanced: false, heads: [] }); // the second time: nothing
    expect(await rollouts.mayStart(id, 2)).toBe(true);
  });

  it('a batch whose target waits behind another update is started without it (its lane releases it later)', async () => {
    const earlier = await create([l7(10)], [[0]], 'continue');
    const { stored } = await create([l7(11), l7(10)], [[0], [1]]);
    expect(stored.operation.results[1].queuedBehind).toBe(`${earlier.id}#0`);
    expect(await rollouts.advance(stored, 0, [1])).toEqual({ advanced: true, heads: [] });
  });

  it('pauses once, and starts the next batch only when the pause has passed', async () => {
    const { id, stored } = await create([l7(20), l7(21)], [[0], [1]]);
    expect(await rollouts.pause(id, 0, Date.now() + 60_000)).toBe(true);
    expect(await rollouts.pause(id, 0, Date.now() + 60_000)).toBe(false);
    expect((await operations.get(id))!.operation.rollout).toMatchObject({ state: 'PAUSED', resumesAt: expect.any(String) });
    expect(await rollouts.advance(stored, 0, [1])).toEqual({ advanced: false, heads: [] });
    await redis.hset(`{${prefix}}:op:${id}`, 'rr', String(Date.now() - 1));
    expect(await rollouts.advance(stored, 0, [1])).toEqual({ advanced: true, heads: [1] });
  });

  it('a failure halts the rollout in the same step; cancelling frees the lanes and ends the operation with its last target', async () => {
    const { id, stored } = await create([l7(30), l7(31), l7(32)], [[0], [1, 2]]);
    const later = await create([l7(31)], [[0]], 'continue');
    await operations.transition(id, 0, ['PENDING'], 'RUNNING', {});
    await operations.transition(id, 0, ['RUNNING'], 'FAILED', { error: { code: 'VALIDATION_FAILED', message: 'no' } }, stored.updates[0]);
    expect((await operations.get(id))!.operation.rollout?.state).toBe('HALTED');
    expect(await rollouts.mayStart(id, 1)).toBe(false);
    // a halted rollout starts nothing more, even a job already queued
    expect((await operations.transition(id, 1, ['PENDING'], 'RUNNING', {})).resultStatus).toBe('PENDING');
    const detail = { error: { code: 'CANCELLED_BY_ROLLOUT', message: 'halted' } };
    const outcome = await rollouts.cancelPending(stored, [1, 2], detail);
    expect(outcome).toEqual({ cancelled: [1, 2], operationStatus: 'FAILED', operationTerminalNow: true, nextLaneHeads: [`${later.id}#0`] });
    expect(await rollouts.cancelPending(stored, [1, 2], detail)).toMatchObject({ cancelled: [], operationTerminalNow: false, nextLaneHeads: [] });
    const ended = (await operations.get(id))!.operation;
    expect(ended.results.map((r) => r.status)).toEqual(['FAILED', 'CANCELLED', 'CANCELLED']);
    expect(ended.rollout?.state).toBe('HALTED');
    expect(ended.completedAt).toEqual(expect.any(String));
  });

  it('onFailure revert holds the operation open until its compensation ends, which it does once', async () => {
    const { id, stored } = await create([l7(40), l7(41)], [[0], [1]], 'revert');
    await operations.transition(id, 0, ['PENDING'], 'RUNNING', {});
    await operations.transition(id, 0, ['RUNNING'], 'SUCCEEDED', { before: { name: 'a' } }, stored.updates[0]);
    await rollouts.advance(stored, 0, [1]);
    await operations.transition(id, 1, ['PENDING'], 'RUNNING', {});
    const failed = await operations.transition(id, 1, ['RUNNING'], 'FAILED', { error: { code: 'TASK_FAILED', message: 'no' } }, stored.updates[1]);
    expect(failed).toMatchObject({ operationStatus: 'RUNNING', operationTerminalNow: false });
    const plan = { updates: [l7(40)], indexes: [[0]], guards: [null] };
    const compensations = new Map([[0, { status: 'PENDING' as const, operationId: 'op_C' }]]);
    expect(await rollouts.beginCompensation(id, 'op_C', plan, compensations)).toEqual({ began: true, compensationId: 'op_C' });
    expect(await rollouts.beginCompensation(id, 'op_D', plan, compensations)).toEqual({ began: false, compensationId: 'op_C' });
    expect(await rollouts.compensationPlan(id)).toEqual(plan);
    expect(await rollouts.setCompensations(id, new Map([[0, { status: 'SUCCEEDED' as const, operationId: 'op_C' }]]))).toEqual([0]);
    expect(await rollouts.setCompensations(id, new Map([[0, { status: 'SUCCEEDED' as const, operationId: 'op_C' }]]))).toEqual([]);
    // a caller that read the restoring operation earlier never sets an ended compensation back to PENDING
    expect(await rollouts.setCompensations(id, new Map([[0, { status: 'PENDING' as const, operationId: 'op_C' }]]))).toEqual([]);
    expect(await rollouts.finishRollback(id, 'ROLLED_BACK', [])).toBe(true);
    // nor changes anything once the rollout ended
    expect(await rollouts.setCompensations(id, new Map([[0, { status: 'FAILED' as const, operationId: 'op_C' }]]))).toEqual([]);
    expect(await rollouts.finishRollback(id, 'ROLLBACK_FAILED', [{ index: 0, reason: 'x' }])).toBe(false);
    const ended = (await operations.get(id))!;
    expect(ended.operation).toMatchObject({ status: 'ROLLED_BACK', rollout: { state: 'ROLLED_BACK' } });
    expect(ended.operation.results[0].compensation).toEqual({ status: 'SUCCEEDED', operationId: 'op_C' });
    expect(ended.compensationOperationId).toBe('op_C');
  });
});
