import { BeforeApplicationShutdown, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { GcoreTaskPoller } from '@rpg/gcore-tasks';
import { INTERNAL_ERROR_MESSAGE, RecordTaskStateUseCase } from '@rpg/operations';
import { ERROR_CODES } from '@rpg/routing-policy';

/**
 * Runs the Gcore task poll loops for as long as the worker runs: what a poll learns is recorded on each waiting target
 * (RecordTaskStateUseCase). Stopped before the application's connections close, so running polls can write back.
 */
@Injectable()
export class GcoreTaskPollLoop implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly poller: GcoreTaskPoller,
    private readonly recordTask: RecordTaskStateUseCase,
  ) {}

  onApplicationBootstrap(): void {
    this.poller.start({
      tell: (waiter, settled) => this.recordTask.execute({ waiter, settled }),
      internalError: { code: ERROR_CODES.internalError, message: INTERNAL_ERROR_MESSAGE },
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.poller.stop();
  }
}
