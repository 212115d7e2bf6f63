import { Injectable } from '@nestjs/common';
import { RolloutCoordinator } from '../../rollout/rollout-coordinator';
import { ResumeRolloutCommand } from './resume-rollout.command';

/**
 * A rollout's pause between batches ended: start the next batch (a no-op when it started already). Returns the ms still
 * to wait when the timer fired early (another worker's clock), for the timer to wait again.
 */
@Injectable()
export class ResumeRolloutUseCase {
  constructor(private readonly coordinator: RolloutCoordinator) {}

  async execute({ operationId }: ResumeRolloutCommand): Promise<number> {
    return this.coordinator.resume(operationId);
  }
}
