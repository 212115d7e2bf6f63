import { Injectable, Logger } from '@nestjs/common';
import { ServiceMetrics } from '@rpg/observability';
import { GcoreTaskState, ResultDetail, ResultStatus, TERMINAL_OPERATION_STATUSES, TERMINAL_RESULT_STATUSES } from '@rpg/routing-policy';
import { LaneStarter } from './lane-starter';
import { OperationEventPublisher } from './operation-event.publisher';
import { OperationStore, StoredOperation } from './operation.store';
import { RolloutCoordinator } from './rollout/rollout-coordinator';

/**
 * Ends a target: one guarded transition (which also releases the target's lane and records the Gcore task whose end
 * ended it), then the follow-ups — events, the
 * next queued update of the same target, and the next step of its rollout. The follow-ups are idempotent and run again
 * when the transition finds the target already ended, so a crash between the two steps loses nothing.
 */
@Injectable()
export class TargetCompletion {
  private readonly logger = new Logger(TargetCompletion.name);

  constructor(
    private readonly store: OperationStore,
    private readonly events: OperationEventPublisher,
    private readonly metrics: ServiceMetrics,
    private readonly lanes: LaneStarter,
    private readonly rollouts: RolloutCoordinator,
  ) {}

  async finish(
    stored: StoredOperation,
    index: number,
    status: Extract<ResultStatus, 'SUCCEEDED' | 'FAILED' | 'CANCELLED'>,
    detail: ResultDetail,
    lastTask?: GcoreTaskState,
  ): Promise<void> {
    const id = stored.operation.id;
    const outcome = await this.store.transition(id, index, ['PENDING', 'RUNNING'], status, detail, stored.updates[index], lastTask);
    if (outcome.changed === -1) return;
    if (outcome.changed === 1) {
      this.logger.log({ operationId: id, index, status, code: detail.error?.code }, 'target ended');
      if (outcome.operationTerminalNow) {
        this.metrics.operationsCompleted.inc({ status: outcome.operationStatus });
        this.logger.log({ operationId: id, status: outcome.operationStatus }, 'operation ended');
      }
    }
    await this.followUp(id, index, outcome.nextLaneHead);
  }

  /** Events for an ended target (and operation), the start of the next update of the same target, the rollout's next step. */
  async followUp(operationId: string, index: number, nextLaneHead: string): Promise<void> {
    const fresh = await this.store.get(operationId);
    if (fresh && TERMINAL_RESULT_STATUSES.has(fresh.operation.results[index].status)) {
      await this.events.targetCompleted(fresh, index, TERMINAL_OPERATION_STATUSES.has(fresh.operation.status));
    }
    if (nextLaneHead) await this.lanes.start(nextLaneHead);
    if (fresh?.meta.rollout) await this.rollouts.reconcile(operationId, { stored: fresh });
    if (fresh?.meta.compensates) await this.rollouts.compensationProgressed(fresh);
  }
}
