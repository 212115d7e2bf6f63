import { Inject, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { ServiceMetrics } from '@rpg/observability';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreTaskWatcher } from '@rpg/gcore-tasks';
import { INTERNAL_ERROR_MESSAGE, RecordTaskStateUseCase } from '@rpg/operations';
import {
  GcoreTaskJob,
  JobErrorIds,
  QUEUES,
  QueueProcessor,
  QueueWorkerHost,
  classifyJobError,
  jobIds,
  jobLatenessSeconds,
  readJobPayload,
  withJobContext,
} from '@rpg/queues';
import { ERROR_CODES, GcoreTaskState, SettledTask, TaskWaiter, formatTargetRef } from '@rpg/routing-policy';

const TASK_STATES: ReadonlySet<string> = new Set(['NEW', 'RUNNING', 'FINISHED', 'ERROR']);

/**
 * gcore-tasks: one polling loop per task id. Between polls the job moves back to delayed (it stays in Redis, so a
 * restarted worker continues the loop); when the task ends, every waiting target is told. A bug in the loop ends it:
 * every waiting target ends FAILED INTERNAL_ERROR (logged once), instead of waiting for a loop that no longer polls.
 */
@QueueProcessor(QUEUES.gcoreTasks)
export class GcoreTasksProcessor extends QueueWorkerHost implements OnModuleInit {
  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly watcher: GcoreTaskWatcher,
    private readonly recordTask: RecordTaskStateUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = Math.max(this.config.workerConcurrency, 100);
  }

  protected async handle(job: Job<GcoreTaskJob>, token?: string): Promise<void> {
    this.metrics.jobLatency.observe({ queue: QUEUES.gcoreTasks }, jobLatenessSeconds(job));
    const data = readJobPayload(job.data);
    const outcome = await this.watcher.poll(data);
    if (outcome.kind === 'settled') {
      for (const waiter of outcome.waiters) await this.tell(waiter, outcome.settled);
      return;
    }
    if (outcome.changed) {
      const task: GcoreTaskState = { id: data.taskId, state: outcome.state as GcoreTaskState['state'], error: null };
      for (const waiter of outcome.waiters) await this.tell(waiter, { task });
    }
    // the loop's state lives in the job: what the poll says comes next, and when the next tick is due
    const dueAt = Date.now() + outcome.delayMs;
    await job.updateData({ ...outcome.next, dueAt });
    await job.moveToDelayed(dueAt, token);
    throw new DelayedError();
  }

  private tell(waiter: TaskWaiter, settled: SettledTask | { task: GcoreTaskState }): Promise<void> {
    return withJobContext({ operationId: waiter.operationId, index: waiter.index }, () => this.recordTask.execute({ waiter, settled }));
  }

  protected override jobIds(job: Job<GcoreTaskJob>): JobErrorIds {
    return { taskId: taskIdOf(job) };
  }

  /**
   * The loop will not poll again: its waiters get the task's end if it had one, else INTERNAL_ERROR. A waiter whose own
   * record is what the bug trips on ends INTERNAL_ERROR directly; one that cannot be ended either is named in the line.
   */
  protected override async settleAfterBug(job: Job<GcoreTaskJob>): Promise<JobErrorIds> {
    const taskId = taskIdOf(job);
    if (!taskId) return {};
    const data = (job.data ?? {}) as Partial<GcoreTaskJob>;
    const failure = { code: ERROR_CODES.internalError, message: INTERNAL_ERROR_MESSAGE };
    const seen = typeof data.lastState === 'string' && TASK_STATES.has(data.lastState) ? (data.lastState as GcoreTaskState['state']) : undefined;
    const { settled, waiters } = await this.watcher.abandon(taskId, failure, { scope: typeof data.scope === 'string' ? data.scope : undefined, seen });
    const unsettled: string[] = [];
    for (const waiter of waiters) {
      try {
        await this.recordTask.execute({ waiter, settled });
      } catch (error) {
        if (classifyJobError(error) === 'retry') throw error;
        try {
          await this.recordTask.execute({ waiter, settled: { task: { id: taskId, state: seen ?? 'NEW', error: null }, failure } });
        } catch (again) {
          if (classifyJobError(again) === 'retry') throw again;
          unsettled.push(formatTargetRef(waiter));
        }
      }
    }
    const operationIds = [...new Set(waiters.map((w) => w.operationId))];
    return {
      ...(operationIds.length === 1 ? { operationId: operationIds[0] } : { operationIds }),
      waiters: waiters.map(formatTargetRef),
      ...(unsettled.length ? { unsettled } : {}),
    };
  }
}

/** The task id of a poll job: from its data, else from its job id (`task-<id>`), for a payload that is not what it should be. */
function taskIdOf(job: Job<GcoreTaskJob>): string | undefined {
  const fromData = (job.data as Partial<GcoreTaskJob> | null | undefined)?.taskId;
  if (typeof fromData === 'string' && fromData) return fromData;
  return jobIds.taskIdOfGcoreTaskJob(job.id);
}
