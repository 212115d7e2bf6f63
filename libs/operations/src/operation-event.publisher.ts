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
  static completedEventId(operationId: string): string {
    return `evt_${operationId.slice(3)}_done`;
  }

  /**
   * A target ended (and, when `operationEnded`, its operation too): one job, target event first. The job of the
   * operation's end also carries the target events of every other target (same event ids, so fan-out creates each
   * delivery once): the jobs of targets that end together run concurrently, and this is what keeps every
   * `operation.target.completed` ahead of `operation.completed` in each endpoint's lane.
   */
  async targetCompleted(operation: Operation, index: number, operationEnded: boolean): Promise<void> {
    const now = new Date().toISOString();
    const targetEvent = (i: number): EventEnvelope => ({
      eventId: OperationEventPublisher.targetEventId(operation.id, i),
      type: EVENT_TYPES.targetCompleted,
      timestamp: now,
      operationId: operation.id,
      data: { operationId: operation.id, reference: operation.reference, result: operation.results[i] },
    });
    const events: EventEnvelope[] = [targetEvent(index)];
    if (operationEnded) {
      for (const result of operation.results) if (result.index !== index) events.push(targetEvent(result.index));
      events.push({
        eventId: OperationEventPublisher.completedEventId(operation.id),
        type: EVENT_TYPES.operationCompleted,
        timestamp: now,
        operationId: operation.id,
        data: operation,
      });
    }
    await this.jobs.enqueueOperationEvents(events, operationEnded);
  }
}
