import { Job } from 'bullmq';
import { ResumeRolloutUseCase } from '@rpg/operations';
import { JobErrorIds, QUEUES, QueueProcessor, QueueWorkerHost, RolloutJob, readJobPayload } from '@rpg/queues';

/** rollouts: a staged rollout's pause between batches ended; the next batch starts (idempotent: the step is guarded). */
@QueueProcessor(QUEUES.rollouts)
export class RolloutsProcessor extends QueueWorkerHost {
  constructor(private readonly resumeRollout: ResumeRolloutUseCase) {
    super();
  }

  protected async handle(job: Job<RolloutJob>): Promise<void> {
    const { operationId } = readJobPayload(job.data);
    await this.resumeRollout.execute({ operationId });
  }

  protected override jobIds(job: Job<RolloutJob>): JobErrorIds {
    return { operationId: job.data?.operationId };
  }
}
