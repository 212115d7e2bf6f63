import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { Queue } from 'bullmq';
import type Redis from 'ioredis';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreClient } from '@rpg/gcore';
import { GatewayMetrics } from '@rpg/observability';
import { GcoreTaskJob, QUEUES, jobIds } from '@rpg/queues';
import { REDIS, RedisKeys } from '@rpg/redis';
import { ERROR_CODES, ExternalTaskWatcher, GcoreTaskState, ProviderError, SettledTask, TaskWaiter } from '@rpg/routing-policy';
import { GcoreTaskSchedule } from './gcore-task.schedule';
import { REGISTER_WAITER, SETTLE_TASK } from './gcore-task.scripts';
import { TaskDurationModel } from './task-duration.model';

type Scripted = Redis & {
  rpgRegisterWaiter(taskKey: string, waitersKey: string, waiter: string, ttl: number): Promise<string[]>;
  rpgSettleTask(taskKey: string, waitersKey: string, state: string, error: string, ttl: number): Promise<string[]>;
};

export type PollOutcome =
  | { kind: 'again'; delayMs: number; state: string; changed: boolean; waiters: TaskWaiter[] }
  | { kind: 'settled'; settled: SettledTask; waiters: TaskWaiter[] };

const SETTLED_TTL_S = 3600;

function parseWaiter(entry: string): TaskWaiter {
  const hash = entry.lastIndexOf('#');
  return { operationId: entry.slice(0, hash), index: Number(entry.slice(hash + 1)) };
}

/**
 * Follows every Gcore task id to FINISHED/ERROR. Waiters (operation targets) register per task id; one BullMQ job per
 * task id (job id `task-<id>`) polls it, so any number of waiters share one GET per tick. The job is delayed between
 * polls, so polling survives worker restarts.
 */
@Injectable()
export class GcoreTaskWatcher implements ExternalTaskWatcher {
  private readonly redis: Scripted;
  private readonly schedule: GcoreTaskSchedule;

  constructor(
    @Inject(REDIS) redis: Redis,
    private readonly keys: RedisKeys,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QUEUES.gcoreTasks) private readonly queue: Queue<GcoreTaskJob>,
    private readonly client: GcoreClient,
    private readonly durations: TaskDurationModel,
    private readonly metrics: GatewayMetrics,
  ) {
    this.redis = redis as Scripted;
    if (!('rpgRegisterWaiter' in redis)) {
      redis.defineCommand('rpgRegisterWaiter', { numberOfKeys: 2, lua: REGISTER_WAITER });
      redis.defineCommand('rpgSettleTask', { numberOfKeys: 2, lua: SETTLE_TASK });
    }
    this.schedule = new GcoreTaskSchedule({ initialMs: config.gcoreTasks.pollInitialMs, maxMs: config.gcoreTasks.pollMaxMs });
  }

  private taskKey(id: string): string {
    return this.keys.key('task', id);
  }
  private waitersKey(id: string): string {
    return this.keys.key('taskw', id);
  }

  async watch(taskIds: string[], waiter: TaskWaiter): Promise<SettledTask[]> {
    const settled: SettledTask[] = [];
    const ttl = Math.ceil(this.config.gcoreTasks.timeoutMs / 1000) + 3600;
    for (const taskId of taskIds) {
      const known = await this.redis.rpgRegisterWaiter(this.taskKey(taskId), this.waitersKey(taskId), `${waiter.operationId}#${waiter.index}`, ttl);
      if (known.length) {
        settled.push(this.toSettled(taskId, known[0], known[1] || null));
        continue;
      }
      const now = Date.now();
      // same job id for every waiter: BullMQ ignores the add when the loop already exists (coalescing)
      await this.queue.add(
        'poll',
        { taskId, startedAt: now, deadlineAt: now + this.config.gcoreTasks.timeoutMs, polls: 0 },
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

  /** The poll hint of an inbound `gcore.task.updated`: run that task's loop now instead of at its next tick. */
  async pollNow(taskId: string): Promise<boolean> {
    const job = await this.queue.getJob(jobIds.gcoreTask(taskId));
    if (!job) return false;
    if (await job.isDelayed()) {
      await job.changeDelay(0).catch(() => job.promote());
      return true;
    }
    return false;
  }

  /** One tick of a task's loop. */
  async poll(data: GcoreTaskJob): Promise<PollOutcome> {
    if (Date.now() >= data.deadlineAt) {
      const waiters = await this.settle(data.taskId, 'TIMEOUT', `Task did not finish within ${Math.round(this.config.gcoreTasks.timeoutMs / 1000)} s`);
      return { kind: 'settled', settled: this.toSettled(data.taskId, 'TIMEOUT', null), waiters };
    }
    let task;
    try {
      task = await this.client.getTask(data.taskId);
    } catch (error) {
      if (error instanceof ProviderError && (error.code === ERROR_CODES.targetNotFound || error.code === ERROR_CODES.providerAuth)) {
        const waiters = await this.settle(data.taskId, 'ERROR', error.message);
        return { kind: 'settled', settled: { task: { id: data.taskId, state: 'ERROR', error: error.message }, failure: error.toResultError() }, waiters };
      }
      throw error; // transient: BullMQ retries the job with backoff
    }
    this.metrics.taskPolls.inc({ state: task.state });
    if (task.state === 'FINISHED' || task.state === 'ERROR') {
      if (task.state === 'FINISHED') void this.durations.record(task).catch(() => undefined);
      const waiters = await this.settle(data.taskId, task.state, task.error ?? '');
      return { kind: 'settled', settled: this.toSettled(data.taskId, task.state, task.error ?? null), waiters };
    }
    const polls = data.polls + 1;
    const expected = await this.durations.expectedMs(task.task_type).catch(() => undefined);
    const elapsed = Date.now() - data.startedAt;
    const delayMs = Math.min(this.schedule.nextDelay(polls, elapsed, expected), Math.max(0, data.deadlineAt - Date.now()));
    const changed = task.state !== data.lastState;
    const waiters = changed ? (await this.redis.smembers(this.waitersKey(data.taskId))).map(parseWaiter) : [];
    data.polls = polls;
    data.lastState = task.state;
    data.taskType = task.task_type;
    return { kind: 'again', delayMs, state: task.state, changed, waiters };
  }

  private async settle(taskId: string, state: string, error: string): Promise<TaskWaiter[]> {
    const entries = await this.redis.rpgSettleTask(this.taskKey(taskId), this.waitersKey(taskId), state, error, SETTLED_TTL_S);
    return entries.map(parseWaiter);
  }

  private toSettled(taskId: string, state: string, error: string | null): SettledTask {
    if (state === 'TIMEOUT') {
      return {
        task: { id: taskId, state: 'RUNNING', error: null },
        failure: { code: ERROR_CODES.taskTimeout, message: `Gcore task ${taskId} ${error ?? 'timed out'}` },
      };
    }
    const task: GcoreTaskState = { id: taskId, state: state as GcoreTaskState['state'], error };
    return state === 'ERROR'
      ? { task, failure: { code: ERROR_CODES.taskFailed, message: `Gcore task ${taskId} ended in ERROR: ${error ?? 'no error text'}`, providerBody: { id: taskId, state, error } } }
      : { task };
  }
}
