import Redis from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { AppConfig } from '@rpg/config';
import { ServiceMetrics } from '@rpg/observability';
import { ProviderAdapterRegistry, ProviderAvailabilityStore } from '@rpg/providers';
import { RedisKeys } from '@rpg/redis';
import { ERROR_CODES, OperationResult, ProviderAdapter, ProviderError, ResultDetail, Update } from '@rpg/routing-policy';
import { newSortableId } from '../../operation-id';
import { OperationStore, StoredOperation } from '../../operation.store';
import type { TargetCompletion } from '../../target-completion.service';
import type { RecordTaskStateUseCase } from '../record-task-state/record-task-state.usecase';
import { ExecuteTargetUseCase, TargetOutageRetry } from './execute-target.usecase';
import { deleteKeys } from '../../../../../test/support/redis-keys';

/** The outage path of a target on the real operation store (Redis): retrying shown, budget by time, then FAILED. */
describe('ExecuteTargetUseCase: provider outage', () => {
  const redis = new Redis(process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `eto${randomBytes(4).toString('hex')}`;
  const BUDGET_MS = 5_000;
  const config = { queuePrefix: prefix, operationRetentionDays: 1, provider: { outageBudgetMs: BUDGET_MS, outageBackoffMaxMs: 2_000 } } as AppConfig;
  const keys = new RedisKeys(config);
  const store = new OperationStore(redis, keys, config);
  const metrics = new ServiceMetrics(false);
  const availability = new ProviderAvailabilityStore(redis, keys, metrics);
  const update: Update = {
    target: { provider: 'gcore', kind: 'l7policy', projectId: 1, regionId: 76, id: 'd1b2c3d4-0000-4000-8000-000000000005' },
    changes: { name: 'x' },
  };

  /** A Gcore adapter whose calls fail with `failure` (or succeed when none). */
  let failure: ProviderError | undefined;
  let applied = 0;
  /** What the target showed while it was read, and while it was written. */
  const seen: { reading?: OperationResult; writing?: OperationResult } = {};
  let current = '';
  /** Runs inside the next read (once), and inside every write. */
  let onPlan: (() => Promise<void>) | undefined;
  let onApply: (() => Promise<void>) | undefined;
  const adapter = {
    supports: () => true,
    plan: async () => {
      seen.reading = (await store.get(current))?.operation.results[0];
      const hook = onPlan;
      onPlan = undefined;
      await hook?.();
      if (failure) throw failure;
      return { calls: [], before: { name: 'before' } };
    },
    apply: async () => {
      seen.writing = (await store.get(current))?.operation.results[0];
      applied++;
      await onApply?.();
      return { detail: {} };
    },
    appliedState: async () => undefined,
  } as unknown as ProviderAdapter;
  const finished: { status: string; detail: ResultDetail }[] = [];
  const completion = {
    finish: async (stored: StoredOperation, index: number, status: 'SUCCEEDED' | 'FAILED', detail: ResultDetail) => {
      finished.push({ status, detail });
      await store.transition(stored.operation.id, index, ['PENDING', 'RUNNING'], status, detail, stored.updates[index]);
    },
  } as unknown as TargetCompletion;
  const useCase = new ExecuteTargetUseCase(
    store,
    new ProviderAdapterRegistry([adapter]),
    completion,
    {} as RecordTaskStateUseCase,
    { watch: async () => [] },
    availability,
    metrics,
    config,
  );

  const accept = async (): Promise<string> => {
    const id = newSortableId('op');
    await store.create({ id, createdAt: new Date().toISOString(), reference: null, dryRun: false, count: 1, apiKeyName: 't' }, [update]);
    current = id;
    return id;
  };
  const unavailable = (status?: number) =>
    new ProviderError(
      ERROR_CODES.providerUnavailable,
      status ? `Gcore L7 policy read failed with ${status}: down` : 'Gcore could not be reached: ECONNREFUSED',
      {
        providerStatus: status,
        providerBody: status ? { message: 'down' } : undefined,
        retryable: status === undefined,
      },
    );

  beforeEach(() => {
    failure = undefined;
    applied = 0;
    finished.length = 0;
    delete seen.reading;
    delete seen.writing;
    onPlan = undefined;
    onApply = undefined;
  });

  afterAll(async () => {
    await deleteKeys(redis, `{${prefix}}*`);
    await redis.quit();
  });

  it('reads the target while it is PENDING, then starts it and keeps its `before` in one step, before the write', async () => {
    const id = await accept();
    await useCase.execute({ operationId: id, index: 0, canRetry: true });
    expect(seen.reading).toMatchObject({ status: 'PENDING' });
    expect(seen.reading?.before).toBeUndefined();
    expect(seen.writing).toMatchObject({ status: 'RUNNING', before: { name: 'before' } });
    expect((await store.get(id))!.operation.results[0]).toMatchObject({ status: 'SUCCEEDED', before: { name: 'before' } });
  });

  it('a run that loses the start to another run of the same target (its job ran twice) stops: one write', async () => {
    const id = await accept();
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let otherWriting!: () => void;
    const writing = new Promise<void>((resolve) => (otherWriting = resolve));
    let other: Promise<void> | undefined;
    // this run reads; meanwhile the other run reads, starts and is writing when this one tries to start
    onPlan = async () => {
      onApply = async () => {
        otherWriting();
        await released;
      };
      other = useCase.execute({ operationId: id, index: 0, canRetry: true });
      await writing;
    };
    await useCase.execute({ operationId: id, index: 0, canRetry: true });
    expect(applied).toBe(1);
    release();
    await other;
    expect(applied).toBe(1);
    expect((await store.get(id))!.operation.results[0]).toMatchObject({ status: 'SUCCEEDED', before: { name: 'before' } });
  });

  it('keeps the target RUNNING with `retrying`, then clears it when the provider answers again', async () => {
    const id = await accept();
    failure = unavailable(503);
    const retry = await useCase.execute({ operationId: id, index: 0, canRetry: true }).catch((e: unknown) => e);
    expect(retry).toBeInstanceOf(TargetOutageRetry);
    const { outage, nextAtMs } = retry as TargetOutageRetry;
    expect(outage.attempt).toBe(1);
    expect(nextAtMs - Date.now()).toBeLessThanOrEqual(1_000);

    const waiting = (await store.get(id))!.operation.results[0];
    expect(waiting.status).toBe('RUNNING');
    expect(waiting.retrying).toEqual({
      attempt: 1,
      nextAt: new Date(nextAtMs).toISOString(),
      lastError: { code: 'PROVIDER_UNAVAILABLE', providerStatus: 503, message: 'Gcore L7 policy read failed with 503: down' },
    });
    expect((await availability.all()).gcore).toMatchObject({ status: 'down' });

    // the next try is refused by the connection: attempt 2, same outage
    failure = unavailable();
    const again = (await useCase.execute({ operationId: id, index: 0, canRetry: true, outage }).catch((e: unknown) => e)) as TargetOutageRetry;
    expect(again.outage).toEqual({ since: outage.since, attempt: 2 });
    expect((await store.get(id))!.operation.results[0].retrying?.lastError).toEqual({
      code: 'PROVIDER_UNAVAILABLE',
      message: 'Gcore could not be reached: ECONNREFUSED',
    });

    failure = undefined;
    await useCase.execute({ operationId: id, index: 0, canRetry: true, outage: again.outage });
    const done = (await store.get(id))!.operation.results[0];
    expect(done.status).toBe('SUCCEEDED');
    expect(done.retrying).toBeUndefined();
    expect(applied).toBe(1);
  });

  it('fails the target PROVIDER_UNAVAILABLE with the last answer once the budget since the first failure is spent', async () => {
    const id = await accept();
    failure = unavailable(503);
    const since = Date.now() - BUDGET_MS - 1;
    await useCase.execute({ operationId: id, index: 0, canRetry: true, outage: { since, attempt: 7 } });
    expect(finished).toHaveLength(1);
    const result = (await store.get(id))!.operation.results[0];
    expect(result.status).toBe('FAILED');
    expect(result.retrying).toBeUndefined();
    expect(result.error).toMatchObject({ code: 'PROVIDER_UNAVAILABLE', providerStatus: 503, providerBody: { message: 'down' } });
    expect(result.error?.message).toMatch(/^Gcore L7 policy read failed with 503: down \(still unavailable after \d+ s and 8 tries/);
    expect(applied).toBe(0);
  });

  it('a 500 is no outage: FAILED at once', async () => {
    const id = await accept();
    failure = new ProviderError(ERROR_CODES.providerUnavailable, 'Gcore failed with 500: boom', { providerStatus: 500 });
    await useCase.execute({ operationId: id, index: 0, canRetry: true });
    const stored = (await store.get(id))!;
    expect(stored.operation.results[0]).toMatchObject({ status: 'FAILED', error: { code: 'PROVIDER_UNAVAILABLE', providerStatus: 500 } });
    // by way of RUNNING, as the state machine has it (the read failed before the start): created 1, started 2, ended 3
    expect(stored.seq).toBe(3);
  });
});
