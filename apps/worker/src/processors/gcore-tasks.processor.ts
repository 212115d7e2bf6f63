import { WorkerHost } from '@nestjs/bullmq';
import { Inject, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreTaskWatcher } from '@rpg/gcore-tasks';
import { RecordTaskStateUseCase } from '@rpg/operations';
import { GcoreTaskJob, QUEUES, QueueProcessor } from '@rpg/queues';
import { GcoreTaskState } from '@rpg/routing-policy';

/**
 * gcore-tasks: one polling loop per task id. Between polls the job moves back to delayed (it stays in Redis, so a
 * restarted worker continues the loop); when the task ends, every waiting target is told.
 */
@QueueProcessor(QUEUES.gcoreTasks)
export class GcoreTasksProcessor extends WorkerHost implements OnModuleInit {
  constructor(
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
    const outcome = await this.watcher.poll(job.data);
    if (outcome.kind === 'settled') {
      for (const waiter of outcome.waiters) await this.recordTask.execute(waiter, outcome.settled);
      return;
    }
    if (outcome.changed) {
      const task: GcoreTaskState = { id: job.data.taskId, state: outcome.state as GcoreTaskState['state'], error: null };
      for (const waiter of outcome.waiters) await this.recordTask.execute(waiter, { task });
    }
    await job.updateData(job.data);
    await job.moveToDelayed(Date.now() + outcome.delayMs, token);
    throw new DelayedError();
  }
}
