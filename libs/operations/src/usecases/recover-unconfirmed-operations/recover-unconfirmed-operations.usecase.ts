import { Injectable, Logger } from '@nestjs/common';
import { withJobContext } from '@rpg/queues';
import { OperationStore } from '../../operation.store';
import { LaneStarter } from '../../lane-starter';

/** How long an accept may take between storing an operation and confirming its jobs before recovery steps in. */
const UNCONFIRMED_GRACE_MS = 30_000;

/**
 * The periodic repair: operations stored but whose jobs were never confirmed (the gateway died between the two steps
 * of accept) get their lane-head jobs enqueued (job ids make this harmless when the jobs do exist), and the history
 * indexes drop entries older than the retention. Returns how many operations were recovered. Takes no command: it
 * always looks at everything.
 */
@Injectable()
export class RecoverUnconfirmedOperationsUseCase {
  private readonly logger = new Logger('MaintenanceProcessor');

  constructor(
    private readonly store: OperationStore,
    private readonly lanes: LaneStarter,
  ) {}

  async execute(): Promise<number> {
    // history indexes forget operations past OPERATION_RETENTION_DAYS (their hashes expire by TTL)
    await this.store.trimIndexes();
    const ids = await this.store.unconfirmedOlderThan(UNCONFIRMED_GRACE_MS);
    for (const id of ids) await withJobContext({ operationId: id }, () => this.recover(id));
    if (ids.length) this.logger.warn({ count: ids.length }, 'recovered operations whose jobs were not confirmed');
    return ids.length;
  }

  private async recover(id: string): Promise<void> {
    const stored = await this.store.get(id);
    if (stored) await this.lanes.startHeadsOf(stored);
    await this.store.confirmEnqueued(id);
  }
}
