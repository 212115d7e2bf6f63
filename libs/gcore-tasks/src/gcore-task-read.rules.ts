import { ERROR_CODES, ProviderError, ResultError } from '@rpg/routing-policy';

/** What a failed `GET /cloud/v1/tasks/{id}` means for the task's loop. */
export type TaskReadFailure =
  /** Not visible (yet): Gcore's task store is eventually consistent; read again until the grace runs out. */
  | { kind: 'not-yet-visible'; notFoundSince: number }
  /** The task cannot be followed: the loop ends with this failure. The task itself was never seen ending. */
  | { kind: 'unreadable'; failure: ResultError }
  /** Worth another try later (5xx, 408, 409, 429, unreachable, circuit open): the job's backoff retries it. */
  | { kind: 'transient' };

/** Statuses of a task read that say nothing final (the provider may answer otherwise on the next try). */
const TRANSIENT_4XX = new Set([404, 408, 409, 425, 429]);

/**
 * The rule for a failed task read. A 404 is retried while the task has answered 404 for less than `graceMs` in a row
 * (right after the write that returned it, the task may not be visible yet), then TASK_NOT_FOUND; 401/403 are
 * PROVIDER_AUTH at once; another 4xx will not change by asking again (PROVIDER_ERROR). None of them is the task's
 * ERROR: the task was never seen failing.
 */
export function classifyTaskReadFailure(error: unknown, taskId: string, read: { notFoundSince?: number; now: number; graceMs: number }): TaskReadFailure {
  if (!(error instanceof ProviderError)) return { kind: 'transient' };
  const status = error.providerStatus;
  const provider = {
    ...(status !== undefined ? { providerStatus: status } : {}),
    ...(error.providerBody !== undefined ? { providerBody: error.providerBody } : {}),
  };
  if (status === 404) {
    const since = read.notFoundSince ?? read.now;
    if (read.now - since < read.graceMs) return { kind: 'not-yet-visible', notFoundSince: since };
    const forS = Math.round((read.now - since) / 1000);
    const during = forS > 0 ? ` for ${forS} s` : '';
    return {
      kind: 'unreadable',
      failure: {
        code: ERROR_CODES.taskNotFound,
        message:
          `Gcore task ${taskId} was not found: its reads answered 404${during} ` +
          `(Gcore does not know the task id its write returned; whether the change was applied is unknown)`,
        ...provider,
      },
    };
  }
  if (error.code === ERROR_CODES.providerAuth) {
    return {
      kind: 'unreadable',
      failure: { code: ERROR_CODES.providerAuth, message: `Gcore task ${taskId} could not be read: ${error.message}`, ...provider },
    };
  }
  if (status !== undefined && status >= 400 && status < 500 && !TRANSIENT_4XX.has(status)) {
    return {
      kind: 'unreadable',
      failure: { code: ERROR_CODES.providerError, message: `Gcore task ${taskId} could not be read: ${error.message}`, ...provider },
    };
  }
  return { kind: 'transient' };
}
