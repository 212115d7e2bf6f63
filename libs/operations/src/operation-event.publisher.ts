import { Injectable } from '@nestjs/common';
import { EventEnvelope, JobProducer } from '@rpg/queues';
import { Operation } from '@rpg/routing-policy';

export const EVENT_TYPES = {
  operationCompleted: 'operation.completed',
  targetCompleted: 'operation.target.completed',
  test: 'webhook.test',
} as const;

/**
 * Emits operation events towards webhook fan-out. Event ids are derived from the operation and target, and used as
 * BullMQ job ids: emitting the same event again (a job that ran twice) is a no-op, and every retry of a delivery
 * carries the same `webhook-id`.
 */
@Injectable()
export class OperationEventPublisher {
  constructor(private readonly jobs: JobProducer) {}

  static targetEventId(operationId: string, index: number): string {
    return `evt_${operationId.slice(3)}_t${index}`;
  }
  /** A target's second completion event: its compensation ended (a rollout with onFailure revert). */
  static compensationEventId(operationId: string, index: number): string {
    return `evt_${operationId.slice(3)}_t${index}_c`;
  }
  static completedEventId(operationId: string): string {
    return `evt_${operationId.slice(3)}_done`;
  }

  /**
   * A target ended (and, when `operationEnded`, its operation too): one job, target event first. The job of the
   * operation's end also carries the target events of every other target, and the compensation event of every target
   * whose compensation ended (same event ids, so fan-out creates each delivery once): the jobs of targets that end
   * together run concurrently, and this is what keeps every `operation.target.completed` ahead of `operation.completed`
   * in each endpoint's lane.
   */
  async targetCompleted(operation: Operation, index: number, operationEnded: boolean): Promise<void> {
    await this.targetsCompleted(operation, [index], operationEnded);
  }

  /** Several targets ended at once (a halted rollout cancelled them): one job each, or one job ending the operation. */
  async targetsCompleted(operation: Operation, indexes: number[], operationEnded: boolean, kind: 'target' | 'compensation' = 'target'): Promise<void> {
    const now = new Date().toISOString();
    const event = (i: number, of: 'target' | 'compensation'): EventEnvelope => ({
      eventId: of === 'target' ? OperationEventPublisher.targetEventId(operation.id, i) : OperationEventPublisher.compensationEventId(operation.id, i),
      type: EVENT_TYPES.targetCompleted,
      timestamp: now,
      operationId: operation.id,
      data: { operationId: operation.id, reference: operation.reference, result: operation.results[i] },
    });
    if (!operationEnded) {
      for (const i of indexes) await this.jobs.enqueueOperationEvents([event(i, kind)], false);
      return;
    }
    const first = indexes.length ? [event(indexes[0], kind)] : [];
    const events: EventEnvelope[] = [...first];
    for (const result of operation.results) {
      if (kind !== 'target' || result.index !== indexes[0]) events.push(event(result.index, 'target'));
    }
    for (const result of operation.results) {
      if (ENDED_COMPENSATIONS.has(result.compensation?.status ?? '') && (kind !== 'compensation' || result.index !== indexes[0]))
        events.push(event(result.index, 'compensation'));
    }
    events.push({
      eventId: OperationEventPublisher.completedEventId(operation.id),
      type: EVENT_TYPES.operationCompleted,
      timestamp: now,
      operationId: operation.id,
      data: operation,
    });
    await this.jobs.enqueueOperationEvents(events, true);
  }
}

/** Compensations that ended: each has its own `operation.target.completed`. */
const ENDED_COMPENSATIONS: ReadonlySet<string> = new Set(['SUCCEEDED', 'FAILED', 'SKIPPED']);
