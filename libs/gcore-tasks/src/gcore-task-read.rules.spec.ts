import { ProviderError } from '@rpg/routing-policy';
import { classifyTaskReadFailure } from './gcore-task-read.rules';

const gcoreError = (status: number, code: string) =>
  new ProviderError(code, `Gcore task read failed with ${status}: x`, { providerStatus: status, providerBody: { exception_class: 'X', message: 'x' } });

describe('classifyTaskReadFailure (what a failed task read means)', () => {
  const graceMs = 30_000;

  it('a 404 within the grace (counted from the first 404 in a row) is a task not visible yet', () => {
    const first = classifyTaskReadFailure(gcoreError(404, 'TARGET_NOT_FOUND'), 't1', { now: 1000, graceMs });
    expect(first).toEqual({ kind: 'not-yet-visible', notFoundSince: 1000 });
    expect(classifyTaskReadFailure(gcoreError(404, 'TARGET_NOT_FOUND'), 't1', { notFoundSince: 1000, now: 30_999, graceMs })).toEqual({
      kind: 'not-yet-visible',
      notFoundSince: 1000,
    });
  });

  it('a 404 still answered when the grace ran out: TASK_NOT_FOUND with the provider status and body', () => {
    expect(classifyTaskReadFailure(gcoreError(404, 'TARGET_NOT_FOUND'), 't1', { notFoundSince: 1000, now: 31_000, graceMs })).toEqual({
      kind: 'unreadable',
      failure: {
        code: 'TASK_NOT_FOUND',
        message: expect.stringMatching(/^Gcore task t1 was not found: its reads answered 404 for 30 s/),
        providerStatus: 404,
        providerBody: { exception_class: 'X', message: 'x' },
      },
    });
  });

  it('no grace: the first 404 is TASK_NOT_FOUND', () => {
    expect(classifyTaskReadFailure(gcoreError(404, 'TARGET_NOT_FOUND'), 't1', { now: 5, graceMs: 0 })).toMatchObject({
      kind: 'unreadable',
      failure: { code: 'TASK_NOT_FOUND' },
    });
  });

  it.each([401, 403])("%i: PROVIDER_AUTH at once (never the task's ERROR)", (status) => {
    expect(classifyTaskReadFailure(gcoreError(status, 'PROVIDER_AUTH'), 't1', { now: 1, graceMs })).toEqual({
      kind: 'unreadable',
      failure: {
        code: 'PROVIDER_AUTH',
        message: expect.stringContaining('Gcore task t1 could not be read'),
        providerStatus: status,
        providerBody: expect.any(Object),
      },
    });
  });

  it('another final 4xx: PROVIDER_ERROR; 408, 409, 429, 5xx, unreachable and non-provider errors are transient', () => {
    expect(classifyTaskReadFailure(gcoreError(400, 'VALIDATION_FAILED'), 't1', { now: 1, graceMs })).toMatchObject({
      kind: 'unreadable',
      failure: { code: 'PROVIDER_ERROR', providerStatus: 400 },
    });
    for (const status of [408, 409, 429, 500, 501, 503])
      expect(classifyTaskReadFailure(gcoreError(status, 'X'), 't1', { now: 1, graceMs })).toEqual({ kind: 'transient' });
    expect(classifyTaskReadFailure(new ProviderError('PROVIDER_UNAVAILABLE', 'down', { retryable: true }), 't1', { now: 1, graceMs })).toEqual({
      kind: 'transient',
    });
    expect(classifyTaskReadFailure(new Error('ECONNRESET'), 't1', { now: 1, graceMs })).toEqual({ kind: 'transient' });
  });
});
