import { Inject } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { GcoreTaskLoop, GcoreTaskLoopStore, startLoop } from '@rpg/gcore-tasks';
import { JobErrorIds, QUEUES, QueueProcessor, QueueWorkerHost, jobIds } from '@rpg/queues';

/** A task poll job of the previous release: the loop's state (read defensively: it is another release's payload). */
type PreviousReleasePollJob = Partial<Record<keyof GcoreTaskLoop, unknown>> | null;

/**
 * gcore-tasks, kept for the rolling upgrade from the release that polled tasks as BullMQ jobs: a poll job `task-<id>`
 * that one of its workers left here moves into the poll schedule (GcoreTaskLoopStore) when it comes due, its state
 * kept (a task with a loop already keeps that one). Nothing adds jobs here any more: the queue goes once no worker of
 * that release can be running.
 */
@QueueProcessor(QUEUES.gcoreTasks)
export class GcoreTasksProcessor extends QueueWorkerHost {
  constructor(
    private readonly loops: GcoreTaskLoopStore,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  protected async handle(job: Job<PreviousReleasePollJob>): Promise<void> {
    const taskId = taskIdOf(job);
    if (!taskId) return; // no task to follow
    const now = Date.now();
    const data = job.data ?? {};
    const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
    const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);
    const startedAt = num(data.startedAt) ?? now;
    // a payload that is not what it should be starts the loop afresh: polling the task again decides its end
    const loop: GcoreTaskLoop = {
      ...startLoop({ taskId, startedAt, deadlineAt: num(data.deadlineAt) ?? startedAt + this.config.gcoreTasks.timeoutMs, scope: str(data.scope) }),
      polls: num(data.polls) ?? 0,
      ...(str(data.lastState) ? { lastState: str(data.lastState) } : {}),
      ...(str(data.taskType) ? { taskType: str(data.taskType) } : {}),
      ...(num(data.notFoundSince) !== undefined ? { notFoundSince: num(data.notFoundSince) } : {}),
    };
    await this.loops.adopt(loop, now);
  }

  protected override jobIds(job: Job<PreviousReleasePollJob>): JobErrorIds {
    return { taskId: taskIdOf(job) };
  }
}

/** The task id of a poll job: from its data, else from its job id (`task-<id>`). */
function taskIdOf(job: Job<PreviousReleasePollJob>): string | undefined {
  const fromData = job.data?.taskId;
  if (typeof fromData === 'string' && fromData) return fromData;
  return jobIds.taskIdOfGcoreTaskJob(job.id);
}
