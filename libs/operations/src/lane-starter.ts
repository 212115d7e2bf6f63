import { Injectable } from '@nestjs/common';
import { JobProducer } from '@rpg/queues';
import { formatTargetRef, parseTargetRef } from '@rpg/routing-policy';
import { tracingEnabled } from '@rpg/tracing';
import { OperationStore, StoredOperation } from './operation.store';
import { RolloutStore } from './rollout/rollout.store';

/**
 * Starts the update heading a target's lane: enqueues its provider call (a no-op when its job exists), unless it belongs
 * to a rollout batch that has not started (the batch's start enqueues it) or to a halted rollout (it is cancelled).
 */
@Injectable()
export class LaneStarter {
  constructor(
    private readonly store: OperationStore,
    private readonly jobs: JobProducer,
    private readonly rollouts: RolloutStore,
  ) {}

  /** `entry` is a lane entry, `<opId>#<index>`. */
  async start(entry: string): Promise<void> {
    const { operationId, index } = parseTargetRef(entry);
    if (!(await this.rollouts.mayStart(operationId, index))) return;
    // tracing on: the call joins its own operation's trace (one HGET), not the one of the update that ended before it
    const [traceparent] = tracingEnabled() ? await this.store.traceparentsOf([operationId]) : [];
    await this.jobs.enqueueProviderCalls(operationId, [index], traceparent);
  }

  /**
   * Repair after a crash between two steps: the targets of `indexes` (default: all) still PENDING at the head of their
   * lane get their provider calls again (no-ops where the jobs exist).
   */
  async startHeadsOf(stored: StoredOperation, indexes: number[] = stored.updates.map((_, i) => i)): Promise<void> {
    const operationId = stored.operation.id;
    for (const index of indexes) {
      if (stored.rawResults[index].status !== 'PENDING') continue;
      const entry = formatTargetRef({ operationId, index });
      if ((await this.store.laneHead(stored.updates[index])) === entry) await this.start(entry);
    }
  }
}
