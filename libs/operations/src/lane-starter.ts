import { Injectable } from '@nestjs/common';
import { JobProducer } from '@rpg/queues';
import { parseTargetRef } from '@rpg/routing-policy';
import { RolloutStore } from './rollout/rollout.store';

/**
 * Starts the update heading a target's lane: enqueues its provider call (a no-op when its job exists), unless it belongs
 * to a rollout batch that has not started (the batch's start enqueues it) or to a halted rollout (it is cancelled).
 */
@Injectable()
export class LaneStarter {
  constructor(
    private readonly jobs: JobProducer,
    private readonly rollouts: RolloutStore,
  ) {}

  /** `entry` is a lane entry, `<opId>#<index>`. */
  async start(entry: string): Promise<void> {
    const { operationId, index } = parseTargetRef(entry);
    if (await this.rollouts.mayStart(operationId, index)) await this.jobs.enqueueProviderCalls(operationId, [index]);
  }
}
