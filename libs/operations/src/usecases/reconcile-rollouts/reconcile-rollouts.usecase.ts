import { Injectable, Logger } from '@nestjs/common';
import { withJobContext } from '@rpg/queues';
import { RolloutCoordinator } from '../../rollout/rollout-coordinator';
import { RolloutStore } from '../../rollout/rollout.store';

/**
 * The maintenance sweep's look at every rollout not ended: whatever a crash between two steps left (a batch started
 * but its calls not enqueued, a lost pause timer, cancelled targets without their events, a compensation recorded but
 * its operation not created) is done again. Returns how many rollouts it looked at. Takes no command.
 */
@Injectable()
export class ReconcileRolloutsUseCase {
  private readonly logger = new Logger('MaintenanceProcessor');

  constructor(
    private readonly rollouts: RolloutStore,
    private readonly coordinator: RolloutCoordinator,
  ) {}

  async execute(): Promise<number> {
    const ids = await this.rollouts.active();
    for (const id of ids) {
      try {
        await withJobContext({ operationId: id }, () => this.coordinator.reconcile(id, { repair: true }));
        await this.rollouts.visited(id); // XX: a rollout that ended (and was forgotten) is not added back
      } catch (error) {
        // one rollout's trouble (e.g. its provider unreachable while planning) never stops the others' repair
        this.logger.warn({ operationId: id, err: error instanceof Error ? error.message : String(error) }, 'rollout reconcile failed; next sweep retries');
      }
    }
    return ids.length;
  }
}
