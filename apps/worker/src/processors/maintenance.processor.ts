import { InjectQueue } from '@nestjs/bullmq';
import { Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Job, Queue } from 'bullmq';
import { OperationStore, TargetCompletion } from '@rpg/operations';
import { MaintenanceJob, QUEUES, QueueProcessor, QueueWorkerHost, withJobContext } from '@rpg/queues';

const UNCONFIRMED_GRACE_MS = 30_000;

/**
 * maintenance: every 30 s, operations stored but whose jobs were never confirmed (the gateway died between the two
 * steps of accept) get their lane-head jobs enqueued (job ids make this harmless when the jobs do exist), and the
 * history indexes drop entries older than the retention. A bug fails the run at once, logged once with the operation
 * it was recovering; the next run comes 30 s later.
 */
@QueueProcessor(QUEUES.maintenance)
export class MaintenanceProcessor extends QueueWorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(MaintenanceProcessor.name);

  constructor(
    private readonly store: OperationStore,
    private readonly completion: TargetCompletion,
    @InjectQueue(QUEUES.maintenance) private readonly queue: Queue<MaintenanceJob>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('recover-unconfirmed', { every: 30_000 }, { name: 'recover', data: { kind: 'recover-unconfirmed' } });
  }

  protected async handle(_job: Job<MaintenanceJob>): Promise<number> {
    // history indexes forget operations past OPERATION_RETENTION_DAYS (their hashes expire by TTL)
    await this.store.trimIndexes();
    const ids = await this.store.unconfirmedOlderThan(UNCONFIRMED_GRACE_MS);
    for (const id of ids) await withJobContext({ operationId: id }, () => this.recover(id));
    if (ids.length) this.logger.warn({ count: ids.length }, 'recovered operations whose jobs were not confirmed');
    return ids.length;
  }

  private async recover(id: string): Promise<void> {
    const stored = await this.store.get(id);
    if (stored) {
      for (const [index, update] of stored.updates.entries()) {
        const head = await this.store.laneHead(update);
        if (head === `${id}#${index}`) await this.completion.startLaneEntry(head);
      }
    }
    await this.store.confirmEnqueued(id);
  }
}
