import { Inject, OnModuleInit } from '@nestjs/common';
import { Job, UnrecoverableError } from 'bullmq';
import { GatewayMetrics } from '@rpg/observability';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ExecuteTargetUseCase, TargetInternalError } from '@rpg/operations';
import { ProviderCallJob, QUEUES, QueueProcessor, QueueWorkerHost, jobLatenessSeconds } from '@rpg/queues';

/** provider-calls: one target's provider call. */
@QueueProcessor(QUEUES.providerCalls)
export class ProviderCallsProcessor extends QueueWorkerHost implements OnModuleInit {
  constructor(
    private readonly metrics: GatewayMetrics,
    private readonly executeTarget: ExecuteTargetUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.workerConcurrency;
  }

  async process(job: Job<ProviderCallJob>): Promise<void> {
    this.metrics.jobLatency.observe({ queue: QUEUES.providerCalls }, jobLatenessSeconds(job));
    const canRetry = job.attemptsMade + 1 < (job.opts.attempts ?? 1);
    try {
      await this.executeTarget.execute({ ...job.data, canRetry, job: { queue: QUEUES.providerCalls, name: job.name, id: job.id } });
    } catch (error) {
      // a bug that could not even be recorded on the target (already logged): another attempt would repeat it
      if (error instanceof TargetInternalError) throw new UnrecoverableError(error.message);
      throw error;
    }
  }
}
