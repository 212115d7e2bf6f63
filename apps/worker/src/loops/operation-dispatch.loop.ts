import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DISPATCH_BATCH, DispatchAcceptedOperationsUseCase } from '@rpg/operations';
import { RedisClient, RedisConnectionFactory } from '@rpg/redis';

/** How long one blocking wait lasts: also how long a shutdown may wait for the loop to notice. */
const WAIT_S = 1;
/**
 * After a round that took fewer hand-overs than a batch holds, wait this long before the next, so that under load a
 * round carries several operations: a round's fixed cost (BRPOP, the RPOP, BullMQ's MULTI, the ZREM) dominated at ~4
 * operations per round, and this cut the worker's CPU per operation by 40-50 % at 1,800 accepts/s. An operation
 * accepted while the dispatcher idles is still taken at once; one accepted right after a round waits at most this long.
 */
export const DISPATCH_GATHER_MS = 5;

/**
 * Runs the dispatcher for as long as the worker runs, on its own connection (BRPOP blocks it). A failed round (Redis
 * away) is logged and retried after a short pause; what it had taken stays in the unconfirmed set for the sweep.
 */
@Injectable()
export class OperationDispatchLoop implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('OperationDispatch');
  private blocking?: RedisClient;
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly dispatch: DispatchAcceptedOperationsUseCase,
    private readonly connections: RedisConnectionFactory,
  ) {}

  onApplicationBootstrap(): void {
    this.blocking = this.connections.create({ maxRetriesPerRequest: null, enableAutoPipelining: false });
    this.running = this.loop(this.blocking);
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.blocking?.disconnect();
    await this.running;
  }

  private async loop(blocking: RedisClient): Promise<void> {
    while (!this.stopped) {
      if (blocking.status !== 'ready') {
        // no offline queue: a BRPOP sent before the connection is up (at start, after a reconnect) fails at once
        await untilReadyOrPause(blocking);
        continue;
      }
      try {
        const gather = gatherPauseMs(await this.dispatch.execute(blocking, WAIT_S));
        if (gather > 0) await pause(gather);
      } catch (error) {
        if (this.stopped) return;
        this.logger.warn({ err: error }, 'dispatching accepted operations failed; retrying');
        await pause(500);
      }
    }
  }
}

/** The pause after a round that took `taken` operations: none after an idle wait or a full batch (more are waiting). */
export function gatherPauseMs(taken: number): number {
  return taken > 0 && taken < DISPATCH_BATCH ? DISPATCH_GATHER_MS : 0;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Resolves when the connection is ready, or after half a second (the loop looks at `stopped` again). */
function untilReadyOrPause(connection: RedisClient): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      connection.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, 500);
    timer.unref();
    connection.once('ready', done);
  });
}
