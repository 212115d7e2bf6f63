import { Inject, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { GatewayMetrics } from '@rpg/observability';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ExecuteTargetUseCase } from '@rpg/operations';
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
    await this.executeTarget.execute({ ...job.data, canRetry: job.attemptsMade + 1 < (job.opts.attempts ?? 1) });
  }
}
