import { Inject, OnModuleInit } from '@nestjs/common';
import { DelayedError, Job } from 'bullmq';
import { ServiceMetrics } from '@rpg/observability';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ExecuteTargetUseCase, TargetOutageRetry } from '@rpg/operations';
import { JobErrorIds, ProviderCallJob, QUEUES, QueueProcessor, QueueWorkerHost, jobLatenessSeconds, readJobPayload } from '@rpg/queues';

/**
 * provider-calls: one target's provider call. A bug ends the target FAILED INTERNAL_ERROR inside the use case (logged
 * there once); one that could not even be recorded stops the job (TargetInternalError, already logged). A provider
 * outage moves the job back to delayed until its next try (no attempt used: outages are budgeted by time, not attempts),
 * carrying the outage in its payload.
 */
@QueueProcessor(QUEUES.providerCalls)
export class ProviderCallsProcessor extends QueueWorkerHost implements OnModuleInit {
  constructor(
    private readonly metrics: ServiceMetrics,
    private readonly executeTarget: ExecuteTargetUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.workerConcurrency;
  }

  protected async handle(job: Job<ProviderCallJob>, token?: string): Promise<void> {
    this.metrics.jobLatency.observe({ queue: QUEUES.providerCalls }, jobLatenessSeconds(job));
    const canRetry = job.attemptsMade + 1 < (job.opts.attempts ?? 1);
    const data = readJobPayload(job.data);
    try {
      await this.executeTarget.execute({
        operationId: data.operationId,
        index: data.index,
        canRetry,
        outage: data.outage,
        job: { queue: QUEUES.providerCalls, name: job.name, id: job.id, attemptsMade: job.attemptsMade },
      });
    } catch (error) {
      if (!(error instanceof TargetOutageRetry)) throw error;
      await job.updateData({ ...data, outage: error.outage });
      await job.moveToDelayed(error.nextAtMs, token);
      throw new DelayedError();
    }
  }

  protected override jobIds(job: Job<ProviderCallJob>): JobErrorIds {
    return { operationId: job.data?.operationId, index: job.data?.index };
  }
}
