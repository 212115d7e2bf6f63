import { Inject, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { GatewayMetrics } from '@rpg/observability';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreTaskWatcher } from '@rpg/gcore-tasks';
import { RecordTaskStateUseCase } from '@rpg/operations';
import { GcoreTaskJob, QUEUES, QueueProcessor, QueueWorkerHost, jobLatenessSeconds } from '@rpg/queues';
import { GcoreTaskState } from '@rpg/routing-policy';

/**
 * gcore-tasks: one polling loop per task id. Between polls the job moves back to delayed (it stays in Redis, so a
 * restarted worker continues the loop); when the task ends, every waiting target is told.
 */
@QueueProcessor(QUEUES.gcoreTasks)
export class GcoreTasksProcessor extends QueueWorkerHost implements OnModuleInit {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly watcher: GcoreTaskWatcher,
    private readonly recordTask: RecordTaskStateUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = Math.max(this.config.workerConcurrency, 100);
  }

  async process(job: Job<GcoreTaskJob>, token?: string): Promise<void> {
    this.metrics.jobLatency.observe({ queue: QUEUES.gcoreTasks }, jobLatenessSeconds(job));
    const outcome = await this.watcher.poll(job.data);
    if (outcome.kind === 'settled') {
      for (const waiter of outcome.waiters) await this.recordTask.execute(waiter, outcome.settled);
      return;
    }
    if (outcome.changed) {
      const task: GcoreTaskState = { id: job.data.taskId, state: outcome.state as GcoreTaskState['state'], error: null };
      for (const waiter of outcome.waiters) await this.recordTask.execute(waiter, { task });
    }
    const dueAt = Date.now() + outcome.delayMs;
    await job.updateData({ ...job.data, dueAt });
    await job.moveToDelayed(dueAt, token);
    throw new DelayedError();
  }
}
