import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreClient } from '@rpg/gcore';
import { GatewayMetrics } from '@rpg/observability';
import { GcoreTaskJob, QUEUES, jobIds, retryLater } from '@rpg/queues';
import { REDIS, RedisClient } from '@rpg/redis';
import { ERROR_CODES, ExternalTaskWatcher, GcoreTaskState, ProviderError, ResultError, SettledTask, TaskScope, TaskWaiter } from '@rpg/routing-policy';
import { classifyTaskReadFailure } from './gcore-task-read.rules';
import { GcoreTaskSchedule } from './gcore-task.schedule';
import { GcoreTaskKeys, scopeName } from './gcore-task.keys';
import { ABANDON_TASK, REGISTER_WAITER, SETTLE_TASK } from './gcore-task.scripts';
import { TaskDurationModel } from './task-duration.model';

type Scripted = RedisClient & {
  rpgRegisterWaiter(taskKey: string, waitersKey: string, inflightKey: string, scopesKey: string, waiter: string, ttl: number, taskId: string, scope: string, now: number): Promise<string[]>;
  rpgSettleTask(taskKey: string, waitersKey: string, inflightKey: string, state: string, error: string, ttl: number, taskId: string, failure: string, seen: string): Promise<string[]>;
  rpgAbandonTask(taskKey: string, waitersKey: string, inflightKey: string, state: string, error: string, ttl: number, taskId: string, failure: string, seen: string): Promise<string[]>;
};

/**
 * How a task's loop ended, as kept in its settled record (shared by every waiter, also later ones): the task's own end
 * (FINISHED, ERROR), TIMEOUT (still running at the deadline), or UNREADABLE (the task could not be read: 404 beyond the
 * grace, 401/403; `failure` holds the result error and `seen` the last state read, the task was never seen ending).
 */
type LoopEnd = 'FINISHED' | 'ERROR' | 'TIMEOUT' | 'UNREADABLE';

interface SettledRecord {
  state: LoopEnd;
  error: string | null;
  failure?: ResultError;
  seen?: GcoreTaskState['state'];
}

export type PollOutcome =
  | { kind: 'again'; delayMs: number; state: string; changed: boolean; waiters: TaskWaiter[] }
  | { kind: 'settled'; settled: SettledTask; waiters: TaskWaiter[] };

const SETTLED_TTL_S = 3600;
/** How the sweep saw a task end: in a listing of one page, or of several. */
export type SweepListing = 'page' | 'pages';
/** How long a scope's listing is ignored after it claimed that a running task had ended. */
export const SWEEP_DISTRUST_MS = 5 * 60_000;
/** Tasks a paged listing may miss per minute (see sweepWasWrong) before it is distrusted. */
const PAGED_MISSES_TOLERATED = 20;
/** A task registered this shortly before a listing may be missing from it: only an explicit end in the listing counts. */
export const LISTING_GRACE_MS = 1000;

function parseWaiter(entry: string): TaskWaiter {
  const hash = entry.lastIndexOf('#');
  return { operationId: entry.slice(0, hash), index: Number(entry.slice(hash + 1)) };
}

/**
 * Follows every Gcore task id to FINISHED/ERROR. Waiters (operation targets) register per task id; one BullMQ job per
 * task id (job id `task-<id>`) polls it, so any number of waiters share one GET per tick. The job is delayed between
 * polls, so polling survives worker restarts. A task whose project/region is known also joins that scope's in-flight
 * set: while GcoreTaskSweeper lists the scope completely, it detects the end and runs the task's job at once, and the
 * job's own polls thin out to a backstop interval.
 */
@Injectable()
export class GcoreTaskWatcher implements ExternalTaskWatcher {
  private readonly redis: Scripted;
  private readonly schedule: GcoreTaskSchedule;

  constructor(
    @Inject(REDIS) redis: RedisClient,
    private readonly keys: GcoreTaskKeys,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.gcoreTasks) private readonly queue: Queue<GcoreTaskJob>,
    private readonly client: GcoreClient,
    private readonly durations: TaskDurationModel,
    private readonly metrics: GatewayMetrics,
  ) {
    this.redis = redis as Scripted;
    if (!('rpgRegisterWaiter' in redis)) {
      redis.defineCommand('rpgRegisterWaiter', { numberOfKeys: 4, lua: REGISTER_WAITER });
      redis.defineCommand('rpgSettleTask', { numberOfKeys: 3, lua: SETTLE_TASK });
    }
    if (!('rpgAbandonTask' in redis)) redis.defineCommand('rpgAbandonTask', { numberOfKeys: 3, lua: ABANDON_TASK });
    this.schedule = new GcoreTaskSchedule({ initialMs: config.gcoreTasks.pollInitialMs, maxMs: config.gcoreTasks.pollMaxMs });
  }

  async watch(taskIds: string[], waiter: TaskWaiter, taskScope?: TaskScope): Promise<SettledTask[]> {
    const settled: SettledTask[] = [];
    const ttl = Math.ceil(this.config.gcoreTasks.timeoutMs / 1000) + 3600;
    const scope = taskScope && this.config.gcoreTasks.sweepMs > 0 ? scopeName(taskScope) : '';
    for (const taskId of taskIds) {
      const now = Date.now();
      const known = await this.redis.rpgRegisterWaiter(
        this.keys.task(taskId),
        this.keys.waiters(taskId),
        this.keys.inflight(scope),
        this.keys.scopes(),
        `${waiter.operationId}#${waiter.index}`,
        ttl,
        taskId,
        scope,
        now,
      );
      if (known.length) {
        settled.push(this.toSettled(taskId, parseRecord(known)));
        continue;
      }
      // same job id for every waiter: BullMQ ignores the add when the loop already exists (coalescing)
      await this.queue.add(
        'poll',
        { taskId, startedAt: now, deadlineAt: now + this.config.gcoreTasks.timeoutMs, polls: 0, ...(scope ? { scope } : {}) },
        {
          jobId: jobIds.gcoreTask(taskId),
          delay: this.schedule.firstDelay(),
          attempts: 1000,
          backoff: { type: 'exponential', delay: 1000 },
          // a finished loop must not linger: a later waiter on the same id needs a new job once the settled record expires
          removeOnComplete: true,
          removeOnFail: { age: 3600 },
        },
      );
    }
    return settled;
  }

  /**
   * Runs that task's loop now instead of at its next tick: the poll hint of an inbound `gcore.task.updated`, or the
   * sweeper having seen the task end in a listing of one page or several (`bySweep`, kept in its own short-lived key so
   * the job's data is never rewritten: the poll reads it and, finding the task running, knows the listing was wrong).
   * A loop waiting out a failed GET's backoff is left alone by the sweep (it would only hammer a failing provider).
   */
  async pollNow(taskId: string, bySweep?: SweepListing): Promise<'promoted' | 'busy' | 'missing'> {
    const job = await this.queue.getJob(jobIds.gcoreTask(taskId));
    if (!job) return 'missing';
    if (!(await job.isDelayed())) return 'busy';
    if (bySweep) {
      // a successful tick stores when the next one is due; a dueAt in the past means BullMQ is backing off after a failure
      if (job.data.dueAt !== undefined && job.data.dueAt < Date.now()) return 'busy';
      await this.redis.set(this.keys.sweepPoke(taskId), bySweep, 'PX', 60_000);
    }
    await job.changeDelay(0).catch(() => job.promote());
    return 'promoted';
  }

  /** Whether the sweep currently covers the scope (its latest listing was complete and is trusted). */
  async isSwept(scope: string): Promise<boolean> {
    const [ok, bad] = await Promise.all([this.redis.exists(this.keys.sweepOk(scope)), this.redis.exists(this.keys.sweepBad(scope))]);
    return ok === 1 && bad === 0;
  }

  /**
   * A listing claimed a running task had ended. A one-page listing cannot miss a task: it is distrusted at once. Pages
   * can: a task ending while the pages are fetched shifts the later ones, so a few misses are tolerated per minute.
   */
  private async sweepWasWrong(scope: string, listing: SweepListing): Promise<void> {
    if (listing === 'pages') {
      const misses = await this.redis.multi().incr(this.keys.sweepMisses(scope)).pexpire(this.keys.sweepMisses(scope), 60_000, 'NX').exec();
      if (Number(misses?.[0]?.[1] ?? 0) <= PAGED_MISSES_TOLERATED) return;
    }
    await this.distrustSweep(scope, SWEEP_DISTRUST_MS);
  }

  /**
   * Stops trusting a scope's listing for a while. Its loops go back to their own schedule at once: those stretched to
   * the backstop interval run now instead of finishing that wait.
   */
  async distrustSweep(scope: string, forMs: number): Promise<void> {
    await this.redis.multi().set(this.keys.sweepBad(scope), '1', 'PX', forMs).del(this.keys.sweepOk(scope)).exec();
    const tracked = await this.redis.zrange(this.keys.inflight(scope), 0, -1);
    const stretchedPast = Date.now() + this.config.gcoreTasks.pollMaxMs;
    for (let i = 0; i < tracked.length; i += 100) {
      await Promise.all(
        tracked.slice(i, i + 100).map(async (taskId) => {
          const job = await this.queue.getJob(jobIds.gcoreTask(taskId));
          if (job && (job.data.dueAt ?? 0) > stretchedPast && (await job.isDelayed())) await job.changeDelay(0).catch(() => undefined);
        }),
      );
    }
  }

  /** One tick of a task's loop. */
  async poll(data: GcoreTaskJob): Promise<PollOutcome> {
    const bySweep = data.scope ? ((await this.redis.getdel(this.keys.sweepPoke(data.taskId))) as SweepListing | null) : null;
    if (Date.now() >= data.deadlineAt) {
      return this.settle(data, { state: 'TIMEOUT', error: `Task did not finish within ${Math.round(this.config.gcoreTasks.timeoutMs / 1000)} s` });
    }
    let task;
    try {
      task = await this.client.getTask(data.taskId);
    } catch (error) {
      const now = Date.now();
      const graceMs = this.config.gcoreTasks.notFoundGraceMs;
      const read = classifyTaskReadFailure(error, data.taskId, { notFoundSince: data.notFoundSince, now, graceMs });
      // a provider's transient answer: BullMQ retries the job with backoff (anything else thrown here follows the rule of
      // every job: Redis or network away retries, a bug fails the job)
      if (read.kind === 'transient') throw error instanceof ProviderError ? retryLater(error) : error;
      if (read.kind === 'unreadable') {
        const seen = (data.lastState as GcoreTaskState['state'] | undefined) ?? 'NEW';
        return this.settle(data, { state: 'UNREADABLE', error: read.failure.message, failure: read.failure, seen });
      }
      // not visible yet: read again on the schedule, the last time when the grace runs out
      data.notFoundSince = read.notFoundSince;
      data.polls += 1;
      const graceLeft = Math.max(0, read.notFoundSince + graceMs - now);
      const delayMs = Math.min(this.schedule.nextDelay(data.polls, now - data.startedAt, undefined), graceLeft, Math.max(0, data.deadlineAt - now));
      return { kind: 'again', delayMs, state: data.lastState ?? 'NEW', changed: false, waiters: [] };
    }
    data.notFoundSince = undefined;
    this.metrics.taskPolls.inc({ state: task.state });
    if (task.state === 'FINISHED' || task.state === 'ERROR') {
      if (task.state === 'FINISHED') void this.durations.record(task).catch(() => undefined);
      return this.settle(data, { state: task.state, error: task.error ?? null });
    }
    const polls = data.polls + 1;
    const expected = await this.durations.expectedMs(task.task_type).catch(() => undefined);
    const elapsed = Date.now() - data.startedAt;
    let delayMs = this.schedule.nextDelay(polls, elapsed, expected);
    if (data.scope) {
      // the sweep said this task had ended, yet it runs: its listing cannot be trusted, so polls go back to the schedule
      if (bySweep) await this.sweepWasWrong(data.scope, bySweep);
      // short tasks keep their dense start; once the sweep must have seen the task, it takes over detection
      else if (elapsed >= LISTING_GRACE_MS + 2 * this.config.gcoreTasks.sweepMs && (await this.isSwept(data.scope))) {
        delayMs = Math.max(delayMs, this.config.gcoreTasks.sweepBackstopMs);
      }
    }
    delayMs = Math.min(delayMs, Math.max(0, data.deadlineAt - Date.now()));
    const changed = task.state !== data.lastState;
    const waiters = changed ? (await this.redis.smembers(this.keys.waiters(data.taskId))).map(parseWaiter) : [];
    data.polls = polls;
    data.lastState = task.state;
    data.taskType = task.task_type;
    return { kind: 'again', delayMs, state: task.state, changed, waiters };
  }

  /** Ends the task's loop: one settled record for every waiter (those told now, and any registering later). */
  private async settle(data: GcoreTaskJob, record: SettledRecord): Promise<PollOutcome> {
    const { taskId } = data;
    const entries = await this.redis.rpgSettleTask(
      this.keys.task(taskId),
      this.keys.waiters(taskId),
      this.keys.inflight(data.scope ?? ''),
      record.state,
      record.error ?? '',
      SETTLED_TTL_S,
      taskId,
      record.failure ? JSON.stringify(record.failure) : '',
      record.seen ?? '',
    );
    return { kind: 'settled', settled: this.toSettled(taskId, record), waiters: entries.map(parseWaiter) };
  }

  /**
   * Ends a task's loop whose job hit a bug (it will not poll again), so its waiters do not wait forever: they get
   * `failure` (the task keeps `seen`, the last state read) unless the loop had already ended, then that end. Returns
   * the outcome that stands and every waiter, to be told.
   */
  async abandon(taskId: string, failure: ResultError, opts: { scope?: string; seen?: GcoreTaskState['state'] } = {}): Promise<{ settled: SettledTask; waiters: TaskWaiter[] }> {
    const [state, error, failureJson, seen, ...entries] = await this.redis.rpgAbandonTask(
      this.keys.task(taskId),
      this.keys.waiters(taskId),
      this.keys.inflight(opts.scope ?? ''),
      'UNREADABLE',
      failure.message,
      SETTLED_TTL_S,
      taskId,
      JSON.stringify(failure),
      opts.seen ?? 'NEW',
    );
    return { settled: this.toSettled(taskId, parseRecord([state, error, failureJson, seen])), waiters: entries.map(parseWaiter) };
  }

  private toSettled(taskId: string, { state, error, failure, seen }: SettledRecord): SettledTask {
    if (state === 'TIMEOUT') {
      return {
        task: { id: taskId, state: 'RUNNING', error: null },
        failure: { code: ERROR_CODES.taskTimeout, message: `Gcore task ${taskId} ${error ?? 'timed out'}` },
      };
    }
    if (state === 'UNREADABLE') {
      // the task never showed an end: the target fails, its task keeps the last state read (never ERROR)
      return { task: { id: taskId, state: seen ?? 'NEW', error: null }, failure: failure ?? { code: ERROR_CODES.providerError, message: error ?? `Gcore task ${taskId} could not be read` } };
    }
    const task: GcoreTaskState = { id: taskId, state, error };
    return state === 'ERROR'
      ? { task, failure: { code: ERROR_CODES.taskFailed, message: `Gcore task ${taskId} ended in ERROR: ${error ?? 'no error text'}`, providerBody: { id: taskId, state, error } } }
      : { task };
  }
}

/** A settled record as REGISTER_WAITER returns it: [state, error, failure JSON, seen]. */
function parseRecord([state, error, failure, seen]: string[]): SettledRecord {
  let parsed: ResultError | undefined;
  try {
    parsed = failure ? (JSON.parse(failure) as ResultError) : undefined;
  } catch {
    parsed = undefined;
  }
  return { state: state as LoopEnd, error: error || null, failure: parsed, seen: (seen || undefined) as GcoreTaskState['state'] | undefined };
}
