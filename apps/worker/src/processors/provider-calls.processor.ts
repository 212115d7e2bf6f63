import { WorkerHost } from '@nestjs/bullmq';
import { Inject, OnModuleInit } from '@nestjs/common';
import { Job } from 'bullmq';
import { APP_CONFIG, AppConfig } from '@rpg/config';
import { ExecuteTargetUseCase } from '@rpg/operations';
import { ProviderCallJob, QUEUES, QueueProcessor } from '@rpg/queues';

/** provider-calls: one target's provider call. */
@QueueProcessor(QUEUES.providerCalls)
export class ProviderCallsProcessor extends WorkerHost implements OnModuleInit {
  constructor(
    private readonly executeTarget: ExecuteTargetUseCase,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    super();
  }

  onModuleInit(): void {
    this.worker.concurrency = this.config.workerConcurrency;
  }

  async process(job: Job<ProviderCallJob>): Promise<void> {
    await this.executeTarget.execute({ ...job.data, canRetry: job.attemptsMade + 1 < (job.opts.attempts ?? 1) });
  }
}
