import { OnApplicationBootstrap } from '@nestjs/common';
import { Job } from 'bullmq';
import { ReconcileRolloutsUseCase, RecoverUnconfirmedOperationsUseCase } from '@rpg/operations';
import { JobProducer, MaintenanceJob, QUEUES, QueueProcessor, QueueWorkerHost } from '@rpg/queues';

/**
 * maintenance: every 30 s, the recovery of operations whose jobs were never confirmed, the repair of rollouts left
 * between two steps, and the trim of the history indexes. A bug fails the run at once, logged once with the operation
 * it was recovering; the next run comes 30 s later.
 */
@QueueProcessor(QUEUES.maintenance)
export class MaintenanceProcessor extends QueueWorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly recoverUnconfirmed: RecoverUnconfirmedOperationsUseCase,
    private readonly reconcileRollouts: ReconcileRolloutsUseCase,
    private readonly jobs: JobProducer,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.jobs.scheduleMaintenance();
  }

  protected async handle(_job: Job<MaintenanceJob>): Promise<number> {
    const recovered = await this.recoverUnconfirmed.execute();
    await this.reconcileRollouts.execute();
    return recovered;
  }
}
