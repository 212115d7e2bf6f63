import { Injectable } from '@nestjs/common';
import { RolloutCoordinator } from '../../rollout/rollout-coordinator';
import { ResumeRolloutCommand } from './resume-rollout.command';

/** A rollout's pause between batches ended: start the next batch (a no-op when it started already). */
@Injectable()
export class ResumeRolloutUseCase {
  constructor(private readonly coordinator: RolloutCoordinator) {}

  async execute({ operationId }: ResumeRolloutCommand): Promise<void> {
    await this.coordinator.reconcile(operationId, { repair: true });
  }
}
