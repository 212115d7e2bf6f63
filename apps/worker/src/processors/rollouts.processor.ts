import { DelayedError, Job } from 'bullmq';
import { ResumeRolloutUseCase } from '@rpg/operations';
import { JobErrorIds, QUEUES, QueueProcessor, QueueWorkerHost, RolloutJob, readJobPayload } from '@rpg/queues';

/** rollouts: a staged rollout's pause between batches ended; the next batch starts (idempotent: the step is guarded). */
@QueueProcessor(QUEUES.rollouts)
export class RolloutsProcessor extends QueueWorkerHost {
  constructor(private readonly resumeRollout: ResumeRolloutUseCase) {
    super();
  }

  protected async handle(job: Job<RolloutJob>, token?: string): Promise<void> {
    const { operationId } = readJobPayload(job.data);
    const waitMs = await this.resumeRollout.execute({ operationId });
    if (waitMs > 0) {
      // fired before the pause ended (clocks differ between workers): the same timer waits the rest, no attempt used
      await job.moveToDelayed(Date.now() + waitMs, token);
      throw new DelayedError();
    }
  }

  protected override jobIds(job: Job<RolloutJob>): JobErrorIds {
    return { operationId: job.data?.operationId };
  }
}
