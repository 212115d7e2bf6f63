import type { LoggerService } from '@nestjs/common';
import { DelayedError, RateLimitError, UnrecoverableError, WaitingChildrenError, WaitingError } from 'bullmq';
import { isRedisUnavailableError } from '@rpg/redis';
import { ProviderError } from '@rpg/routing-policy';

/**
 * Whether a job's error is worth another attempt: the infrastructure under the job went away for a moment (Redis
 * connection lost or refused, a cluster failover or resharding in progress, a command that timed out). Anything else a
 * job throws that is not a provider failure is a bug: running it again does the same thing again.
 */
export function isTransientInfrastructureError(error: unknown): boolean {
  if (isRedisUnavailableError(error)) return true;
  const e = error as { message?: unknown; code?: unknown } | null | undefined;
  const message = typeof e?.message === 'string' ? e.message : '';
  const code = typeof e?.code === 'string' ? e.code : '';
  return (
    /^(ECONNRESET|ECONNREFUSED|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN)$/.test(code) ||
    /^(READONLY|MASTERDOWN|TRYAGAIN|MOVED|ASK|BUSY|NOREPLICAS) /.test(message) ||
    /Command timed out|Too many Cluster redirections|Socket closed unexpectedly/.test(message)
  );
}

/**
 * BullMQ refusing a move of a job this worker no longer holds: its lock expired while Redis was away or the worker
 * stalled, and the job went back to the queue (another run, here or in another worker, carries on). Not a bug.
 */
export function isLostJobLockError(error: unknown): boolean {
  const message = (error as { message?: unknown } | null | undefined)?.message;
  return typeof message === 'string' && /^(Missing lock for job|Lock mismatch for job|Missing key for job)|^Job \S+ is not in the active state/.test(message);
}

const RETRY_LATER = Symbol('rpg.retryLater');
const JOB_CONTEXT = Symbol('rpg.jobContext');

/**
 * Marks an error as one a job's documented retry path covers (e.g. a Gcore task read answering 503): the job keeps its
 * BullMQ attempts and backoff. Returns the same error.
 */
export function retryLater<E>(error: E): E {
  if (error !== null && typeof error === 'object') Object.defineProperty(error, RETRY_LATER, { value: true, enumerable: false });
  return error;
}

/** Ids that say where in the job an error happened (operation id, target index, task id, delivery id…): logged with it. */
export type JobErrorIds = Record<string, string | number | boolean | string[] | undefined>;

/** Runs `work`; an error it throws carries `ids` to the job's log line (the first ids attached win: the innermost). */
export async function withJobContext<T>(ids: JobErrorIds, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error !== null && typeof error === 'object' && !(JOB_CONTEXT in error)) Object.defineProperty(error, JOB_CONTEXT, { value: ids, enumerable: false });
    throw error;
  }
}

function attachedIds(error: unknown): JobErrorIds {
  return error !== null && typeof error === 'object' && JOB_CONTEXT in error ? ((error as Record<symbol, JobErrorIds>)[JOB_CONTEXT] ?? {}) : {};
}

/**
 * A bug that was already logged (once) and whose business state was already settled: the job stops without another
 * line and without retries.
 */
export class ReportedJobError extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    this.name = 'UnrecoverableError'; // BullMQ also recognises it by name
  }
}

/**
 * What to do with an error thrown by a job:
 * - `pass`: BullMQ's own control flow (DelayedError, WaitingChildrenError, rate limit) or an UnrecoverableError already
 *   decided (and reported) further in: thrown as it is;
 * - `retry`: a retryable ProviderError, a transient infrastructure error (Redis away, failover, socket error), a lost
 *   job lock, or a documented retry path (retryLater): BullMQ's attempts and backoff apply;
 * - `internal`: anything else is a bug (TypeError, unexpected shape, a provider error nobody handled): another attempt
 *   does the same thing again, so it is logged once and the job stops.
 */
export function classifyJobError(error: unknown): 'pass' | 'retry' | 'internal' {
  if (
    error instanceof DelayedError ||
    error instanceof WaitingChildrenError ||
    error instanceof WaitingError ||
    error instanceof RateLimitError ||
    error instanceof UnrecoverableError ||
    (error instanceof Error && ['DelayedError', 'WaitingChildrenError', 'WaitingError', 'RateLimitError', 'UnrecoverableError'].includes(error.name))
  ) {
    return 'pass';
  }
  if (error !== null && typeof error === 'object' && RETRY_LATER in error) return 'retry';
  if (error instanceof ProviderError) return error.retryable ? 'retry' : 'internal';
  return isTransientInfrastructureError(error) || isLostJobLockError(error) ? 'retry' : 'internal';
}

/** The job a line is about: BullMQ's Job has these fields. */
export interface JobRef {
  queueName: string;
  name: string;
  id?: string;
  attemptsMade?: number;
}

/**
 * The one error line of a bug in a job: queue, job name and id, the ids of what it was working on, and the error's
 * message and stack (the stack only ever goes here, never into a result).
 */
export function internalErrorLogLine(job: JobRef, ids: JobErrorIds, error: unknown, what = `${job.queueName} job`): [Record<string, unknown>, string] {
  const e = error instanceof Error ? error : new Error(String(error));
  const fields = Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined));
  // only these three, not the Error (pino's err serializer would copy every field of it, e.g. a provider's body); no
  // prototype, else that serializer names the record's type after its constructor ("Object")
  const err = Object.assign(Object.create(null) as Record<string, unknown>, { type: e.name, message: e.message, stack: e.stack });
  return [
    { ...fields, queue: job.queueName, job: job.name, jobId: job.id, attemptsMade: job.attemptsMade, err },
    `${what} failed: internal error (${e.name}: ${e.message}); not retried`,
  ];
}

export interface JobFailureHandling {
  /** Ids the job carries (operation id, target index, task id, delivery id…). */
  ids?: JobErrorIds;
  /**
   * For a bug: ends the business state the job leaves waiting (e.g. targets waiting on a task), so nothing hangs. May
   * return more ids for the line. Its own transient error is thrown for BullMQ to retry the job (the retry settles).
   */
  settle?: (error: unknown) => Promise<JobErrorIds | void>;
}

/**
 * The rule for an error out of any job (see classifyJobError). Returns the error to throw: the same error when BullMQ
 * should handle it (control flow, retries), else — after settling and one error line — an UnrecoverableError, so the
 * job fails at once instead of spending its attempts repeating the bug.
 */
export async function handleJobError(
  logger: Pick<LoggerService, 'error' | 'warn'>,
  job: JobRef,
  error: unknown,
  handling: JobFailureHandling = {},
): Promise<unknown> {
  const kind = classifyJobError(error);
  if (kind !== 'internal') return error;
  let settled: JobErrorIds = {};
  if (handling.settle) {
    try {
      settled = (await handling.settle(error)) ?? {};
    } catch (settling) {
      // Redis went away meanwhile: the retry runs into the bug again and settles (and logs) then
      if (classifyJobError(settling) === 'retry') return settling;
      const s = settling instanceof Error ? settling : new Error(String(settling));
      settled = { unsettled: `${s.name}: ${s.message}` };
    }
  }
  const [fields, message] = internalErrorLogLine(job, { ...(handling.ids ?? {}), ...settled, ...attachedIds(error) }, error);
  logger.error(fields, message);
  const e = error instanceof Error ? error : new Error(String(error));
  return new ReportedJobError(`internal error (${e.name}: ${e.message}); not retried`);
}
