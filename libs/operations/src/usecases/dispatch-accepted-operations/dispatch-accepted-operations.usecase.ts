import { Injectable } from '@nestjs/common';
import { JobProducer } from '@rpg/queues';
import { RedisClient } from '@rpg/redis';
import { tracingEnabled } from '@rpg/tracing';
import { OperationStore } from '../../operation.store';

/** How many handed-over operations one round takes: one addBulk and one ZREM for all of them. */
export const DISPATCH_BATCH = 100;

/**
 * The worker's half of accept: waits for operations the gateway stored (OperationStore.create hands their startable
 * lane heads over in the same step) and puts their provider calls into BullMQ, then drops them from the unconfirmed
 * set. Job ids make a repeat harmless; an operation whose entry was taken by a worker that died before the jobs
 * existed stays unconfirmed and the recovery sweep starts its lane heads.
 */
@Injectable()
export class DispatchAcceptedOperationsUseCase {
  constructor(
    private readonly store: OperationStore,
    private readonly jobs: JobProducer,
  ) {}

  /** One round on the blocking connection `blocking`: returns how many operations it dispatched (0 after `waitS` idle). */
  async execute(blocking: RedisClient, waitS: number): Promise<number> {
    const taken = await this.store.takeDispatched(blocking, waitS, DISPATCH_BATCH);
    if (!taken.length) return 0;
    // tracing on: each job joins its operation's trace (the context stored at accept; one more read per round)
    const traceparents = tracingEnabled() ? await this.store.traceparentsOf(taken.map((t) => t.id)) : [];
    await this.jobs.enqueueProviderCallsOf(taken.map(({ id, heads }, i) => ({ operationId: id, indexes: heads, traceparent: traceparents[i] })));
    await this.store.confirmEnqueued(...taken.map((t) => t.id));
    return taken.length;
  }
}
