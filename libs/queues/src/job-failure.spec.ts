import { DelayedError, UnrecoverableError } from 'bullmq';
import { ProviderError } from '@rpg/routing-policy';
import { ReportedJobError, classifyJobError, handleJobError, isTransientInfrastructureError, retryLater, withJobContext } from './job-failure';

describe('isTransientInfrastructureError', () => {
  it('retries Redis outages, failovers and resharding', () => {
    for (const message of [
      'connect ECONNREFUSED 127.0.0.1:6379',
      'Connection is closed.',
      "Stream isn't writeable and enableOfflineQueue options is false",
      'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
      "READONLY You can't write against a read only replica.",
      'CLUSTERDOWN The cluster is down',
      'TRYAGAIN Multiple keys request during rehashing of slot',
      'LOADING Redis is loading the dataset in memory',
      'Command timed out',
    ]) {
      expect(isTransientInfrastructureError(new Error(message))).toBe(true);
    }
    expect(isTransientInfrastructureError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe(true);
  });

  it('does not retry bugs', () => {
    expect(isTransientInfrastructureError(new TypeError("Cannot read properties of null (reading 'action')"))).toBe(false);
    expect(isTransientInfrastructureError(new RangeError('Invalid array length'))).toBe(false);
    expect(isTransientInfrastructureError(new SyntaxError('Unexpected token u in JSON at position 0'))).toBe(false);
    expect(isTransientInfrastructureError(undefined)).toBe(false);
    expect(isTransientInfrastructureError('a string')).toBe(false);
  });
});

describe('the failure rule of every job', () => {
  const job = { queueName: 'gcore-tasks', name: 'poll', id: 'task-t1', attemptsMade: 0 };
  const recorder = () => {
    const lines: { level: 'error' | 'warn'; fields: Record<string, any>; message: string }[] = [];
    return {
      lines,
      logger: {
        error: (fields: any, message: string) => lines.push({ level: 'error', fields, message }),
        warn: (fields: any, message: string) => lines.push({ level: 'warn', fields, message }),
      },
    };
  };

  it('classifies: BullMQ control flow passes, retryable provider errors / Redis / lost locks / documented retries retry, the rest is a bug', () => {
    expect(classifyJobError(new DelayedError())).toBe('pass');
    expect(classifyJobError(new UnrecoverableError('decided'))).toBe('pass');
    expect(classifyJobError(new ReportedJobError('logged'))).toBe('pass');
    expect(classifyJobError(new ProviderError('PROVIDER_UNAVAILABLE', 'down', { providerStatus: 503, retryable: true }))).toBe('retry');
    expect(classifyJobError(new Error('connect ECONNREFUSED 127.0.0.1:6379'))).toBe('retry');
    expect(classifyJobError(new Error("READONLY You can't write against a read only replica."))).toBe('retry');
    expect(classifyJobError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe('retry');
    expect(classifyJobError(new Error('Missing lock for job task-t1. moveToDelayed'))).toBe('retry');
    expect(classifyJobError(new Error('Lock mismatch for job call-x-0. Cmd moveToDelayed from active'))).toBe('retry');
    expect(classifyJobError(retryLater(new ProviderError('PROVIDER_CONFLICT', 'busy', { providerStatus: 409 })))).toBe('retry');

    expect(classifyJobError(new ProviderError('PROVIDER_ERROR', 'bad request', { providerStatus: 400 }))).toBe('internal');
    expect(classifyJobError(new TypeError("Cannot read properties of null (reading 'scope')"))).toBe('internal');
    expect(classifyJobError(new SyntaxError('Unexpected token u in JSON at position 0'))).toBe('internal');
    expect(classifyJobError(undefined)).toBe('internal');
  });

  it('hands retryable errors back untouched, without a line and without settling', async () => {
    const { lines, logger } = recorder();
    const settle = jest.fn();
    for (const error of [
      new Error('Connection is closed.'),
      new ProviderError('PROVIDER_UNAVAILABLE', 'down', { providerStatus: 502, retryable: true }),
      new DelayedError(),
    ]) {
      expect(await handleJobError(logger, job, error, { ids: { taskId: 't1' }, settle })).toBe(error);
    }
    expect(settle).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
  });

  it('a bug: settles, logs ONE error line with the queue, job, ids, message and stack, and stops the job (UnrecoverableError)', async () => {
    const { lines, logger } = recorder();
    const bug = new TypeError("Cannot read properties of null (reading 'scope')");
    const thrown = await handleJobError(logger, job, bug, { ids: { taskId: 't1' }, settle: async () => ({ operationId: 'op_1', waiters: ['op_1#0'] }) });
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect(classifyJobError(thrown)).toBe('pass'); // a caller further out does not log it again
    expect(lines).toHaveLength(1);
    expect(lines[0].level).toBe('error');
    expect(lines[0].fields).toMatchObject({
      queue: 'gcore-tasks',
      job: 'poll',
      jobId: 'task-t1',
      taskId: 't1',
      operationId: 'op_1',
      waiters: ['op_1#0'],
      err: { type: 'TypeError', message: bug.message, stack: expect.stringMatching(/\bat /) },
    });
    expect(lines[0].message).toMatch(/^gcore-tasks job failed: internal error \(TypeError: .*\); not retried$/);
  });

  it('names where in the job the bug happened (withJobContext), the innermost ids winning', async () => {
    const { lines, logger } = recorder();
    const error = await withJobContext({ operationId: 'op_outer' }, () => withJobContext({ operationId: 'op_2', index: 3 }, async () => JSON.parse('{'))).then(
      () => undefined,
      (e: unknown) => e,
    );
    await handleJobError(logger, job, error, { ids: { taskId: 't1' }, settle: async () => ({ operationId: 'op_1' }) });
    expect(lines[0].fields).toMatchObject({ taskId: 't1', operationId: 'op_2', index: 3, err: { type: 'SyntaxError' } });
  });

  it('settling that meets Redis away retries the job (the retry settles and logs); settling that hits a bug too is named in the one line', async () => {
    const { lines, logger } = recorder();
    const redisAway = new Error('Connection is closed.');
    expect(await handleJobError(logger, job, new TypeError('x'), { settle: async () => Promise.reject(redisAway) })).toBe(redisAway);
    expect(lines).toEqual([]);

    const thrown = await handleJobError(logger, job, new TypeError('x'), { settle: async () => Promise.reject(new RangeError('again')) });
    expect(thrown).toBeInstanceOf(UnrecoverableError);
    expect(lines).toHaveLength(1);
    expect(lines[0].fields).toMatchObject({ unsettled: 'RangeError: again', err: { message: 'x' } });
  });
});
